package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/aqwarn/aqwarn"
)

// queryAll runs query on q and scans each row with scan, in order. No
// rows is a nil slice. A failure of the query, of a scan or of the rows is
// unavailable(op, …); an *aqwarn.Error that scan returns (a corrupt row,
// say) is returned as it is.
func queryAll[T any](ctx context.Context, q queryer, op string, scan func(*sql.Rows, *T) error, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, unavailable(op, err)
	}
	out, err := scanAll(rows, scan)
	if err != nil {
		if ae := (*aqwarn.Error)(nil); errors.As(err, &ae) {
			return nil, err
		}
		return nil, unavailable(op, err)
	}
	return out, nil
}

// scanAll scans each row of rows with scan and closes rows; its errors are
// those of scan and rows, unwrapped.
func scanAll[T any](rows *sql.Rows, scan func(*sql.Rows, *T) error) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// scanRecords decodes rows of one JSON record column; its errors are those
// of the query, the rows and the decoding, unwrapped (callers name the op).
func scanRecords[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanRecord[T])
}

func scanRecord[T any](rows *sql.Rows, v *T) error {
	var b string
	if err := rows.Scan(&b); err != nil {
		return err
	}
	return json.Unmarshal([]byte(b), v)
}

// conds are a query's optional conditions ("AND col = ?" each), in the
// order added; a filter's zero value (empty string, 0) adds none.
type conds struct {
	sql  string
	args []any
}

// add adds cond (one "?") with its value v unless v is the zero value.
func (c *conds) add(cond string, v any) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return
		}
	case int64:
		if x == 0 {
			return
		}
	case int:
		if x == 0 {
			return
		}
	}
	c.sql += " AND " + cond
	c.args = append(c.args, v)
}

// in adds "AND col IN (…)" for vs unless there are none.
func (c *conds) in(col string, vs []string) {
	if len(vs) == 0 {
		return
	}
	c.sql += " AND " + col + " IN (?" + strings.Repeat(",?", len(vs)-1) + ")"
	for _, v := range vs {
		c.args = append(c.args, v)
	}
}
