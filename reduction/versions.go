package reduction

import (
	"fmt"
	"time"
)

// A list goes through the year's revision as versions (plan 9.3, notes §7
// P2): a draft is reviewed, approved, filed with the city and published.
// A published version never changes; an edit is a new draft. Only one
// version of a year is published at a time: publishing a newer one
// supersedes the older.

// Version states.
const (
	StateDraft      = "draft"
	StateReviewed   = "reviewed"
	StateApproved   = "approved"
	StateFiled      = "filed"     // filed with the city's command (plan 9.3)
	StatePublished  = "published" // made public (plan 3.1); immutable
	StateSuperseded = "superseded"
	StateWithdrawn  = "withdrawn" // a draft given up before publication
)

// Version actions, each one step of the workflow.
const (
	ActionReview   = "review"
	ActionApprove  = "approve"
	ActionFile     = "file"
	ActionPublish  = "publish"
	ActionWithdraw = "withdraw"
)

// steps is the workflow: what each action needs and leads to.
var steps = map[string]struct{ from, to string }{
	ActionReview:  {StateDraft, StateReviewed},
	ActionApprove: {StateReviewed, StateApproved},
	ActionFile:    {StateApproved, StateFiled},
	ActionPublish: {StateFiled, StatePublished},
}

// Version is one version of a year's list as the service keeps it.
type Version struct {
	ID     int64  `json:"id"`
	Year   int    `json:"year"`
	ListID string `json:"list_id"` // the list's own id (its id: key)
	State  string `json:"state"`
	// SHA256 is the hash of the YAML text: what was approved is what is
	// filed and published.
	SHA256  string    `json:"sha256"`
	Created time.Time `json:"created"`
	By      string    `json:"created_by"`
	Steps   []Step    `json:"steps"`
}

// Step is one action taken on a version.
type Step struct {
	Action  string    `json:"action"`
	State   string    `json:"state"` // the state it led to
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Comment string    `json:"comment,omitempty"`
}

// Advance applies action to v: the next state of the workflow, or an error
// saying why not (zh/en). A published, superseded or withdrawn version
// takes no action: edits are a new draft.
func Advance(v Version, action, by, comment string, at time.Time) (Version, error) {
	switch v.State {
	case StatePublished, StateSuperseded, StateWithdrawn:
		return v, fmt.Errorf("version %d is %s and never changes: upload an edited list as a new draft / 第 %d 版已%s，不能再修改，修改请上传新草稿", v.ID, v.State, v.ID, stateZH[v.State])
	}
	to := ""
	if action == ActionWithdraw {
		to = StateWithdrawn
	} else {
		s, ok := steps[action]
		if !ok {
			return v, fmt.Errorf("%q is not an action on a list version (review, approve, file, publish, withdraw) / 未知操作", action)
		}
		if s.from != v.State {
			return v, fmt.Errorf("version %d is %s: %s needs it %s first / 第 %d 版当前为%s，须先%s", v.ID, v.State, action, s.from, v.ID, stateZH[v.State], stateZH[s.from])
		}
		to = s.to
	}
	if by == "" {
		return v, fmt.Errorf("who takes the step must be known / 须记录操作人")
	}
	// Four eyes: the review is not the author's, the approval not the
	// reviewer's.
	if prev := v.lastBy(); (action == ActionReview || action == ActionApprove) && by == prev {
		return v, fmt.Errorf("%s took the step before; %s must be someone else's / %s 已办理上一步，%s须由他人办理", by, action, by, action)
	}
	v.Steps = append(append([]Step(nil), v.Steps...), Step{Action: action, State: to, By: by, At: at, Comment: comment})
	v.State = to
	return v, nil
}

// lastBy is who took the version's last step (its author for a draft).
func (v Version) lastBy() string {
	if n := len(v.Steps); n > 0 {
		return v.Steps[n-1].By
	}
	return v.By
}

var stateZH = map[string]string{StateDraft: "草稿", StateReviewed: "已审核", StateApproved: "已批准", StateFiled: "已备案",
	StatePublished: "已发布", StateSuperseded: "已被替代", StateWithdrawn: "已撤回"}
