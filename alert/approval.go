package alert

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Approval is the state of one proposal's approval chain. It is a plain value
// (steps copied from the plan when proposed, then signatures) so the store
// can persist it as is and a restart resumes where it stopped. The chain in
// force when the proposal was made stays in force for it.
type Approval struct {
	ProposalKey string      `json:"proposal_key"`
	Action      Action      `json:"action"`
	LevelID     string      `json:"level_id"`
	ChainID     string      `json:"chain_id"`
	Steps       []Step      `json:"steps"`
	Signatures  []Signature `json:"signatures"`
}

// Signature records who signed which step, when, and what they said.
type Signature struct {
	Step    int       `json:"step"` // index into Approval.Steps
	Role    string    `json:"role"`
	User    string    `json:"user"`
	At      time.Time `json:"at"`
	Approve bool      `json:"approve"`
	Comment string    `json:"comment,omitempty"`
}

// NewApproval starts the approval of a proposal with the plan's chain for it.
func NewApproval(p *Plan, pr Proposal) (*Approval, error) {
	if pr.Key == "" {
		return nil, &Error{Code: CodeProposalIncomplete, Message: "proposal has no key",
			MessageZH: "提议缺少幂等键"}
	}
	target := pr.Level
	if chainAtNoLevel(pr.Action) {
		target = LevelNone
	}
	c, err := p.Chain(pr.Action, target)
	if err != nil {
		return nil, err
	}
	return &Approval{
		ProposalKey: pr.Key, Action: pr.Action, LevelID: pr.LevelID, ChainID: c.ID,
		Steps: slices.Clone(c.Steps),
	}, nil
}

// Sign records one role's decision. The chain is ordered: a role of a later
// step cannot sign before every earlier step is complete (plan 4.4: the
// consultation comes before the commander). A role signs a proposal once; a
// rejection closes it and needs a reason. On error nothing changes and the
// proposal stays pending.
func (a *Approval) Sign(p *Plan, role, user string, at time.Time, approve bool, comment string) error {
	switch {
	case a.Rejected():
		return &Error{Code: CodeApprovalClosed, Message: "the proposal was rejected: " + a.RejectReason(),
			MessageZH: "该提议已被驳回：" + a.RejectReason()}
	case a.Done():
		return &Error{Code: CodeApprovalClosed, Message: "the proposal is already approved",
			MessageZH: "该提议已批准"}
	case strings.TrimSpace(user) == "":
		return &Error{Code: CodeUserRequired, Message: "a signature needs a user", MessageZH: "签署须注明签署人"}
	case at.IsZero():
		return &Error{Code: CodeTimeRequired, Message: "a signature needs a time", MessageZH: "签署须注明时间"}
	}
	if _, ok := p.Role(role); !ok {
		return &Error{Code: CodeUnknownRole, Message: fmt.Sprintf("role %q is not in plan %s", role, p.ID),
			MessageZH: fmt.Sprintf("预案 %s 中没有角色 %q", p.ID, role)}
	}
	step := a.stepOf(role)
	if step < 0 {
		return &Error{Code: CodeRoleNotInChain,
			Message:   fmt.Sprintf("%s does not sign %s to %s (chain %s)", roleEN(p, role), a.Action, a.LevelID, a.ChainID),
			MessageZH: fmt.Sprintf("%s 不在该审批程序（%s）中", roleZH(p, role), a.ChainID)}
	}
	for _, s := range a.Signatures {
		if s.Role == role {
			return &Error{Code: CodeDuplicateRole,
				Message:   fmt.Sprintf("%s has already signed this proposal (%s, %s)", roleEN(p, role), s.User, s.At.Format(time.RFC3339)),
				MessageZH: fmt.Sprintf("%s 已签署过该提议", roleZH(p, role))}
		}
		if s.User == user {
			return &Error{Code: CodeDuplicateUser,
				Message:   fmt.Sprintf("%s already signed this proposal as %s; one person cannot fill two roles", user, roleEN(p, s.Role)),
				MessageZH: fmt.Sprintf("%s 已以 %s 身份签署，同一人不能兼任两个角色", user, roleZH(p, s.Role))}
		}
	}
	cur := a.current()
	if step > cur {
		missing := a.missing(cur, step)
		return &Error{Code: CodeOutOfOrder,
			Message: fmt.Sprintf("%s cannot sign yet: step %d (%s) still needs %s", roleEN(p, role), cur+1,
				a.Steps[cur].NameEN, joinRoles(p, missing, roleEN, ", ")),
			MessageZH: fmt.Sprintf("%s 尚不能签署：第 %d 步（%s）还需 %s", roleZH(p, role), cur+1,
				a.Steps[cur].NameZH, joinRoles(p, missing, roleZH, "、"))}
	}
	if step < cur {
		return &Error{Code: CodeStepComplete,
			Message:   fmt.Sprintf("step %d (%s) is already complete", step+1, a.Steps[step].NameEN),
			MessageZH: fmt.Sprintf("第 %d 步（%s）已完成", step+1, a.Steps[step].NameZH)}
	}
	if !approve && strings.TrimSpace(comment) == "" {
		return &Error{Code: CodeReasonRequired, Message: "a rejection needs a reason", MessageZH: "驳回须说明理由"}
	}
	if n := len(a.Signatures); n > 0 && at.Before(a.Signatures[n-1].At) {
		return &Error{Code: CodeTimeOrder,
			Message:   fmt.Sprintf("signature time %s is before the previous signature", at.Format(time.RFC3339)),
			MessageZH: "签署时间早于上一签署"}
	}
	a.Signatures = append(a.Signatures, Signature{Step: step, Role: role, User: user, At: at,
		Approve: approve, Comment: comment})
	return nil
}

// Done reports whether every step is complete and nobody rejected.
func (a *Approval) Done() bool { return !a.Rejected() && a.current() == len(a.Steps) }

// Rejected reports whether a signer rejected the proposal.
func (a *Approval) Rejected() bool {
	for _, s := range a.Signatures {
		if !s.Approve {
			return true
		}
	}
	return false
}

// RejectReason is the comment of the rejection, "" when not rejected.
func (a *Approval) RejectReason() string {
	for _, s := range a.Signatures {
		if !s.Approve {
			return s.Comment
		}
	}
	return ""
}

// NextRoles are the roles that may sign now (any one of them for an any-of
// step); nil once the approval is closed.
func (a *Approval) NextRoles() []string {
	if a.Rejected() {
		return nil
	}
	cur := a.current()
	if cur == len(a.Steps) {
		return nil
	}
	var out []string
	for _, r := range a.Steps[cur].roles() {
		if !a.signed(r) {
			out = append(out, r)
		}
	}
	return out
}

// Status is pending, approved or rejected.
func (a *Approval) Status() string {
	switch {
	case a.Rejected():
		return "rejected"
	case a.Done():
		return "approved"
	}
	return "pending"
}

// current is the index of the first incomplete step (len(Steps) when all are).
func (a *Approval) current() int {
	for i, s := range a.Steps {
		if !a.complete(s) {
			return i
		}
	}
	return len(a.Steps)
}

func (a *Approval) complete(s Step) bool {
	for _, r := range s.AllOf {
		if !a.signed(r) {
			return false
		}
	}
	if len(s.AnyOf) == 0 {
		return true
	}
	return slices.ContainsFunc(s.AnyOf, a.signed)
}

func (a *Approval) signed(role string) bool {
	return slices.ContainsFunc(a.Signatures, func(s Signature) bool { return s.Role == role && s.Approve })
}

func (a *Approval) stepOf(role string) int {
	for i, s := range a.Steps {
		if slices.Contains(s.roles(), role) {
			return i
		}
	}
	return -1
}

// missing lists the unsigned roles of steps [from, to).
func (a *Approval) missing(from, to int) []string {
	var out []string
	for _, s := range a.Steps[from:to] {
		for _, r := range s.AllOf {
			if !a.signed(r) {
				out = append(out, r)
			}
		}
		if len(s.AnyOf) > 0 && !slices.ContainsFunc(s.AnyOf, a.signed) {
			out = append(out, strings.Join(s.AnyOf, "|")) // any one of them
		}
	}
	return out
}

func roleEN(p *Plan, id string) string {
	if r, ok := p.Role(id); ok {
		return fmt.Sprintf("%s (%s)", r.NameEN, id)
	}
	return id
}

func roleZH(p *Plan, id string) string {
	if r, ok := p.Role(id); ok {
		return r.NameZH
	}
	return id
}

func joinRoles(p *Plan, ids []string, name func(*Plan, string) string, sep string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		alts := strings.Split(id, "|")
		for j, a := range alts {
			alts[j] = name(p, a)
		}
		out[i] = strings.Join(alts, " / ")
	}
	return strings.Join(out, sep)
}
