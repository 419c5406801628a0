package sqlite

import (
	"testing"
	"testing/fstest"
)

// The changes are numbered 0001, 0002… without a gap, or the build fails
// at start.
func TestSqliteMigrationNames(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migration %s has version %d at %d", m.name, m.version, i)
		}
	}
	file := &fstest.MapFile{Data: []byte(`SELECT 1;`)}
	for name, fsys := range map[string]fstest.MapFS{
		"a gap":     {"m/0001_a.sql": file, "m/0003_c.sql": file},
		"no number": {"m/0001_a.sql": file, "m/second.sql": file},
		"short":     {"m/1_a.sql": file},
		"not sql":   {"m/0001_a.txt": file},
		"a twin":    {"m/0001_a.sql": file, "m/0001_b.sql": file},
		"from two":  {"m/0002_b.sql": file},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			loadMigrations(fsys, "m")
		}()
	}
	ok := loadMigrations(fstest.MapFS{"m/0001_a.sql": file, "m/0002_b.sql": file}, "m")
	if len(ok) != 2 || ok[1].version != 2 || ok[1].sql != "SELECT 1;" {
		t.Errorf("loaded %+v", ok)
	}
}
