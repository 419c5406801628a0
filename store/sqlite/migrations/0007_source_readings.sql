-- 7: what the emission-reduction list's sources send: 15-minute energy per
-- electricity meter, and the readings of their online emission monitors
-- (HJ 212, air pollution source) per pollutant. Written again, a row is
-- replaced (a value not sent again is kept, as InfluxDB keeps a field).

CREATE TABLE IF NOT EXISTS power_readings (
	enterprise TEXT NOT NULL,
	meter TEXT NOT NULL,
	t INTEGER NOT NULL,          -- end of the 15-minute interval, unix seconds UTC
	unit TEXT NOT NULL,          -- the list's unit of the meter when it was received ('' none)
	kwh REAL NOT NULL,
	kw REAL,                     -- NULL: not sent
	flag TEXT NOT NULL,
	PRIMARY KEY (enterprise, meter, t)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS power_readings_t ON power_readings (enterprise, t);

CREATE TABLE IF NOT EXISTS emission_readings (
	enterprise TEXT NOT NULL,
	mn TEXT NOT NULL,
	interval_s INTEGER NOT NULL,
	t INTEGER NOT NULL,          -- end of the interval, unix seconds UTC
	pollutant TEXT NOT NULL,     -- so2, nox, pm, vocs
	avg REAL,                    -- mg/m3; NULL: not sent
	zs_avg REAL,                 -- mg/m3 at the reference oxygen
	cou REAL,                    -- kg emitted in the interval
	flag TEXT NOT NULL,
	PRIMARY KEY (enterprise, mn, interval_s, t, pollutant)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS emission_readings_t ON emission_readings (enterprise, t);
