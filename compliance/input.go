package compliance

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aqwarn/aqwarn/reduction"
)

// Warning is a response window: a warning level in force from
// EffectiveStart until Lift (zero: still in force). An upgrade is a new
// window from the upgrade's time.
type Warning struct {
	// ID names the warning (the service's warning id); it is copied to
	// the events.
	ID    string `json:"id,omitempty"`
	Level string `json:"level"`
	// Primary is the warning's primary pollutant(s) (reduction.Resolve:
	// only a PM-driven warning pushes list measures; "" counts as PM).
	Primary        string    `json:"primary,omitempty"`
	EffectiveStart time.Time `json:"effective_start"`
	Lift           time.Time `json:"lift,omitzero"`
}

// Calendar is what makes a day abnormal for the baseline (notes §7 P1:
// holidays, previous warning days and recorded stops are not normal days).
type Calendar struct {
	// Holidays are public holidays (Spring Festival …).
	Holidays []reduction.Date
	// Workdays are weekend days worked instead of a holiday (调休): they
	// count as weekdays.
	Workdays []reduction.Date
	// WarningDays are days of earlier warnings the input does not hold
	// (the input's own warnings are excluded anyway).
	WarningDays []reduction.Date
	// Stops are recorded stops of units (maintenance, breakdowns).
	Stops []RecordedStop
}

// RecordedStop is a unit (or, with Unit "", a whole firm) recorded as
// stopped from From through To.
type RecordedStop struct {
	Enterprise string
	Unit       string
	From, To   reduction.Date
}

// Approval is a recorded approval to restart a stopped unit (or the whole
// firm, Unit "") before the lift, from From until Until (zero: the lift):
// in that time the stop is not checked (rules R1, R3, R6).
type Approval struct {
	Enterprise string    `json:"enterprise"`
	Unit       string    `json:"unit,omitempty"`
	From       time.Time `json:"from"`
	Until      time.Time `json:"until,omitzero"`
	Ref        string    `json:"ref,omitempty"` // the approval's document or record
}

// EmissionSeries is one pollutant of an online monitor (HJ 212), for R8:
// values of one unit (a rate such as kg/h, or a concentration) at the end
// of their intervals, in any order.
type EmissionSeries struct {
	MN        string          `json:"mn"`
	Pollutant string          `json:"pollutant"`
	Unit      string          `json:"unit,omitempty"`
	Points    []EmissionPoint `json:"points"`
}

// EmissionPoint is one value of an emission series.
type EmissionPoint struct {
	End   time.Time `json:"end"`
	Value float64   `json:"value"`
}

// Readings are meters' 15-minute energy on one grid: value i of a meter is
// the energy of the interval ending First + i·15 min. A missing value is
// NaN. Values are float32 (7 significant digits are plenty for kWh and
// halve the memory of 17 M points).
type Readings struct {
	First  time.Time
	Len    int
	first  int64 // First as Unix seconds
	meters map[string][]float32
}

// NewReadings returns empty readings of n intervals, the first ending at
// first (a quarter hour).
func NewReadings(first time.Time, n int) (*Readings, error) {
	if first.Unix()%int64(Interval/time.Second) != 0 || first.Nanosecond() != 0 {
		return nil, fmt.Errorf("readings: %s is not the end of a 15-minute interval", first.Format(time.RFC3339))
	}
	if n < 0 {
		return nil, fmt.Errorf("readings: %d intervals", n)
	}
	return &Readings{First: first, Len: n, first: first.Unix(), meters: map[string][]float32{}}, nil
}

// Index returns the index of the interval ending at end, and whether end
// is the end of an interval.
func (r *Readings) Index(end time.Time) (int, bool) {
	d := end.Unix() - r.first
	step := int64(Interval / time.Second)
	if d%step != 0 || end.Nanosecond() != 0 {
		return 0, false
	}
	return int(floorDiv(d, step)), true
}

// End is the end of interval i.
func (r *Readings) End(i int) time.Time {
	return time.Unix(r.first+int64(i)*int64(Interval/time.Second), 0).In(r.First.Location())
}

// Set records a meter's energy for the interval ending at end, within the
// grid.
func (r *Readings) Set(meter string, end time.Time, kwh float64) error {
	i, ok := r.Index(end)
	if !ok || i < 0 || i >= r.Len {
		return fmt.Errorf("readings: %s is not the end of an interval from %s to %s", end.Format(time.RFC3339),
			r.First.Format(time.RFC3339), r.End(r.Len-1).Format(time.RFC3339))
	}
	col := r.Column(meter)
	if col == nil {
		col = make([]float32, r.Len)
		for j := range col {
			col[j] = float32(math.NaN())
		}
		r.meters[meter] = col
	}
	col[i] = float32(kwh)
	return nil
}

// SetColumn gives a meter all its values at once (len must be Len); the
// readings keep the slice.
func (r *Readings) SetColumn(meter string, kwh []float32) error {
	if len(kwh) != r.Len {
		return fmt.Errorf("readings: meter %s has %d values, the grid %d", meter, len(kwh), r.Len)
	}
	r.meters[meter] = kwh
	return nil
}

// Column returns a meter's values (nil for a meter without any); the
// caller must not change them.
func (r *Readings) Column(meter string) []float32 { return r.meters[meter] }

// Meters returns the meters with values, sorted.
func (r *Readings) Meters() []string {
	out := make([]string, 0, len(r.meters))
	for m := range r.meters {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// Points counts the values present.
func (r *Readings) Points() int {
	n := 0
	for _, col := range r.meters {
		for _, v := range col {
			if v == v {
				n++
			}
		}
	}
	return n
}

// at is a meter's value at index i, NaN outside the grid.
func at32(col []float32, i int) float64 {
	if col == nil || i < 0 || i >= len(col) {
		return math.NaN()
	}
	return float64(col[i])
}

// ReadingsFromPoints puts points per meter on one grid spanning them all.
// Two values for one interval of a meter are an error.
func ReadingsFromPoints(points map[string][]Point) (*Readings, error) {
	var lo, hi time.Time
	for _, ps := range points {
		for _, p := range ps {
			if lo.IsZero() || p.End.Before(lo) {
				lo = p.End
			}
			if hi.IsZero() || p.End.After(hi) {
				hi = p.End
			}
		}
	}
	if lo.IsZero() {
		return NewReadings(time.Unix(0, 0), 0)
	}
	r, err := NewReadings(lo, int(hi.Sub(lo)/Interval)+1)
	if err != nil {
		return nil, err
	}
	for m, ps := range points {
		for _, p := range ps {
			i, ok := r.Index(p.End)
			if !ok {
				return nil, fmt.Errorf("readings: meter %s: %s is not the end of a 15-minute interval", m, p.End.Format(time.RFC3339))
			}
			if col := r.Column(m); col != nil && col[i] == col[i] {
				return nil, fmt.Errorf("readings: meter %s: two values for the interval ending %s", m, p.End.Format(time.RFC3339))
			}
			if err := r.Set(m, p.End, p.KWh); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
