package reduction

import (
	"strings"
	"testing"
	"time"
)

func TestAdvance(t *testing.T) {
	at := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, state, action, want, err string
	}{
		// The workflow, one step at a time.
		{"review a draft", StateDraft, ActionReview, StateReviewed, ""},
		{"approve after review", StateReviewed, ActionApprove, StateApproved, ""},
		{"file after approval", StateApproved, ActionFile, StateFiled, ""},
		{"publish after filing", StateFiled, ActionPublish, StatePublished, ""},
		// No step is skipped: approval needs a review, publication the filing.
		{"approve a draft", StateDraft, ActionApprove, "", "needs it reviewed first"},
		{"publish an approved list", StateApproved, ActionPublish, "", "needs it filed first"},
		// A draft may be withdrawn, and so may a list not yet published.
		{"withdraw a draft", StateDraft, ActionWithdraw, StateWithdrawn, ""},
		{"withdraw a filed list", StateFiled, ActionWithdraw, StateWithdrawn, ""},
		// Published is final: an edit is a new draft.
		{"edit a published list", StatePublished, ActionReview, "", "never changes"},
		{"withdraw a published list", StatePublished, ActionWithdraw, "", "never changes"},
		{"a superseded one", StateSuperseded, ActionPublish, "", "never changes"},
		// Nonsense is refused by name.
		{"unknown action", StateDraft, "sign", "", "not an action"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Version{ID: 3, Year: 2026, State: tc.state}
			got, err := Advance(v, tc.action, "wang", "", at) // v by nobody: no four-eyes clash
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || got.State != tc.state || len(got.Steps) != 0 {
					t.Errorf("Advance = %+v, %v; want refused (%s), unchanged", got, err, tc.err)
				}
				return
			}
			if err != nil || got.State != tc.want || len(got.Steps) != 1 || got.Steps[0].By != "wang" || !got.Steps[0].At.Equal(at) {
				t.Errorf("Advance = %+v, %v; want %s with the step recorded", got, err, tc.want)
			}
		})
	}
	if _, err := Advance(Version{State: StateDraft}, ActionReview, "", "", at); err == nil {
		t.Error("a step by nobody was taken")
	}
	// Four eyes: the author does not review, the reviewer does not approve.
	if _, err := Advance(Version{State: StateDraft, By: "wang"}, ActionReview, "wang", "", at); err == nil || !strings.Contains(err.Error(), "someone else") {
		t.Errorf("the author reviewed: %v", err)
	}
	reviewed := Version{State: StateReviewed, By: "wang", Steps: []Step{{Action: ActionReview, State: StateReviewed, By: "li"}}}
	if _, err := Advance(reviewed, ActionApprove, "li", "", at); err == nil {
		t.Error("the reviewer approved")
	}
	if v, err := Advance(reviewed, ActionApprove, "wang", "", at); err != nil || v.State != StateApproved {
		t.Errorf("the author approves after another's review: %+v %v", v, err)
	}
}
