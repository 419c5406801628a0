package inspect

import (
	"context"
	"fmt"
	"time"

	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/reduction"
)

// An approved downgrade takes effect through the reduction list's yearly
// revision (plan 9.3): it becomes a new draft of the list with that one
// grade changed, which is reviewed, approved, filed and published with
// four eyes like any edit, and is in force from the service's next start.
// That keeps one list: the resolver, the notices, the public pages, the
// signboards and the filing with the city all read it, so none of them
// can disagree with what the firm is held to (an override record beside
// the list would have to be read by each of them).

// ListVersions are the list's versions (store/sqlite.DB).
type ListVersions interface {
	ListVersions(ctx context.Context, year int) ([]reduction.Version, error)
	ListVersion(ctx context.Context, id int64) (reduction.Version, string, error)
	AddListVersion(ctx context.Context, v reduction.Version, text string) (reduction.Version, error)
}

// ListDraft is the Regrader of the service: it edits the newest live
// version of the list in force's year (a draft on its way, or the
// published one), or the configured list when the year has none, so that
// a second downgrade does not undo a first still under review.
type ListDraft struct {
	Versions ListVersions
	Audit    interface {
		AppendAudit(ctx context.Context, e lifecycle.AuditEntry) error
	}
	// InForce is the list the service runs on and Text its YAML.
	InForce *reduction.List
	Text    func() ([]byte, error)
	// Parse validates a draft against the plan (configs.ParseListFor).
	Parse func(b []byte) (*reduction.List, error)
}

var _ Regrader = (*ListDraft)(nil)

// Regrade makes the draft of c (a downgrade) authored by by at at.
func (d *ListDraft) Regrade(ctx context.Context, c Consequence, by string, at time.Time) (int64, error) {
	if c.Kind != KindDowngrade || c.ToGrade == "" {
		return 0, fmt.Errorf("consequence %d is not a downgrade", c.ID)
	}
	text, base, err := d.base(ctx)
	if err != nil {
		return 0, err
	}
	note := fmt.Sprintf("降级：%s → %s（应急减排现场检查第 %d 号，处理建议第 %d 号，%s） / downgraded %s → %s (inspection %d, consequence %d)",
		c.FromGrade, c.ToGrade, c.Inspection, c.ID, at.In(cst).Format(time.DateOnly), c.FromGrade, c.ToGrade, c.Inspection, c.ID)
	out, err := reduction.Regrade(text, c.Enterprise, c.ToGrade, note)
	if err != nil {
		return 0, err
	}
	list, err := d.Parse(out)
	if err != nil {
		return 0, fmt.Errorf("the downgraded list does not load: %w", err)
	}
	v, err := d.Versions.AddListVersion(ctx, reduction.Version{Year: list.Year, ListID: list.ID, Created: at, By: by}, string(out))
	if err != nil {
		return 0, err
	}
	if d.Audit != nil {
		comment := fmt.Sprintf("downgrade %s %s → %s (consequence %d), from %s", c.Enterprise, c.FromGrade, c.ToGrade, c.ID, base)
		if err := d.Audit.AppendAudit(ctx, lifecycle.AuditEntry{At: at, Actor: by, Action: "list_draft",
			Subject: fmt.Sprintf("list version %d", v.ID), Comment: comment}); err != nil {
			return v.ID, err
		}
	}
	return v.ID, nil
}

// base is the text a downgrade edits and what it is ("version N" or "the
// configured list").
func (d *ListDraft) base(ctx context.Context) ([]byte, string, error) {
	if d.InForce == nil {
		return nil, "", fmt.Errorf("no reduction list is in force / 未配置减排清单")
	}
	vs, err := d.Versions.ListVersions(ctx, d.InForce.Year)
	if err != nil {
		return nil, "", err
	}
	for _, v := range vs { // newest first
		if v.ListID != d.InForce.ID || v.State == reduction.StateWithdrawn || v.State == reduction.StateSuperseded {
			continue
		}
		_, text, err := d.Versions.ListVersion(ctx, v.ID)
		if err != nil {
			return nil, "", err
		}
		return []byte(text), fmt.Sprintf("version %d (%s)", v.ID, v.State), nil
	}
	text, err := d.Text()
	return text, "the configured list", err
}
