package inspect

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/aqwarn/aqwarn"
	"github.com/aqwarn/aqwarn/alert/lifecycle"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/reduction"
)

// RecordApproval records a restart approval (复产审批) by: the source (and
// unit, when given) must be on the list, the approval must name its
// document, and its end, when given, must come after its start. From then
// on the compliance engine does not count that restart as one without
// approval (R6), nor its running as a stop not executed (R1, R3).
func (s *Service) RecordApproval(ctx context.Context, a compliance.Approval, by string) (RestartApproval, error) {
	a.Ref = strings.TrimSpace(a.Ref)
	var problems []string
	if a.Ref == "" {
		problems = append(problems, "ref: name the approval's document or record / 须填写审批文号")
	}
	if a.From.IsZero() {
		problems = append(problems, "from: when the restart is allowed from / 须填写准许复产时间")
	}
	if !a.Until.IsZero() && !a.Until.After(a.From) {
		problems = append(problems, "until must be after from / 截止时间须晚于开始时间")
	}
	if s.List != nil {
		i := slices.IndexFunc(s.List.Enterprises, func(e reduction.Enterprise) bool { return e.ID == a.Enterprise })
		switch {
		case i < 0:
			problems = append(problems, "enterprise "+a.Enterprise+" is not on the reduction list / 该企业不在减排清单中")
		case a.Unit != "" && !slices.ContainsFunc(s.List.Enterprises[i].Units, func(u reduction.Unit) bool { return u.ID == a.Unit }):
			problems = append(problems, "unit "+a.Unit+" is not a unit of "+a.Enterprise+" / 该企业无此生产单元")
		}
	}
	if len(problems) > 0 {
		return RestartApproval{}, &aqwarn.Error{Code: aqwarn.EINVALID, Reason: "restart_approval_invalid", Message: strings.Join(problems, "; ")}
	}
	now := s.now()
	detail, _ := json.Marshal(a)
	return s.Store.AddApproval(ctx, RestartApproval{Approval: a, By: by, Recorded: now},
		lifecycle.AuditEntry{At: now, Actor: by, Action: "restart_approval", Detail: detail})
}
