package alert

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Every row of the transition table, carried out by the service: the
// region is put in the row's state (nothing; orange in force; orange
// paused), an approved proposal of the row's action and target level is
// published, and what happened is checked: the transition published and
// the state it left, or a refusal recorded in the audit log with nothing
// published. The chain each allowed row needs is the plan's (checked
// through NewApproval).
func TestTransitionTableEveryRow(t *testing.T) {
	p := jianghua(t)
	orange, red, yellow := mustLevel(t, p, "orange"), mustLevel(t, p, "red"), mustLevel(t, p, "yellow")
	for _, tc := range []struct {
		name   string
		from   State
		action Action
		to     Level
		kind   string // "" = refused
		after  State
		chain  string // the plan's chain that approves it
	}{
		// Nothing in force: the engine issues orange.
		{"none/issue", StateNone, ActionIssue, orange, KindIssue, StateActive, "orange-red"},
		// Nothing in force: the city's prompt issues red.
		{"none/upstream", StateNone, ActionUpstream, red, KindIssue, StateActive, "orange-red"},
		// Nothing in force: duty staff issue yellow after a consultation.
		{"none/manual issue", StateNone, ActionManual, yellow, KindIssue, StateActive, "yellow"},
		// Nothing in force: a manual lift (the nil-warning crash) is refused.
		{"none/manual lift", StateNone, ActionManual, LevelNone, "", StateNone, ""},
		// Nothing in force: the health notice goes out, nothing opens.
		{"none/health notice", StateNone, ActionHealthNotice, LevelNone, KindHealthNotice, StateNone, "health-notice"},
		// Nothing in force: no upgrade, downgrade, lift, extension, pause or resume.
		{"none/upgrade", StateNone, ActionUpgrade, red, "", StateNone, ""},
		{"none/downgrade", StateNone, ActionDowngrade, yellow, "", StateNone, ""},
		{"none/lift", StateNone, ActionLift, LevelNone, "", StateNone, ""},
		{"none/extend", StateNone, ActionExtend, orange, "", StateNone, ""},
		{"none/pause", StateNone, ActionPause, orange, "", StateNone, ""},
		{"none/resume", StateNone, ActionResume, orange, "", StateNone, ""},

		// Orange in force: upgrade to red.
		{"active/upgrade", StateActive, ActionUpgrade, red, KindUpgrade, StateActive, "orange-red"},
		// Orange in force: an "upgrade" to yellow is refused.
		{"active/upgrade down", StateActive, ActionUpgrade, yellow, "", StateActive, ""},
		// Orange in force: downgrade to yellow.
		{"active/downgrade", StateActive, ActionDowngrade, yellow, KindDowngrade, StateActive, "yellow"},
		// Orange in force: a "downgrade" to orange is refused.
		{"active/downgrade same", StateActive, ActionDowngrade, orange, "", StateActive, ""},
		// Orange in force: the city's prompt raises it to red.
		{"active/upstream up", StateActive, ActionUpstream, red, KindUpgrade, StateActive, "orange-red"},
		// Orange in force: manual change to yellow.
		{"active/manual down", StateActive, ActionManual, yellow, KindDowngrade, StateActive, "yellow"},
		// Orange in force: manual lift.
		{"active/manual lift", StateActive, ActionManual, LevelNone, KindLift, StateNone, "lift"},
		// Orange in force: manual "orange → orange" (published as a downgrade before) is refused.
		{"active/manual same", StateActive, ActionManual, orange, "", StateActive, ""},
		// Orange in force: lift.
		{"active/lift", StateActive, ActionLift, LevelNone, KindLift, StateNone, "lift"},
		// Orange in force: extension at the same level.
		{"active/extend", StateActive, ActionExtend, orange, KindExtend, StateActive, "extend"},
		// Orange in force: pause (the lift chain).
		{"active/pause", StateActive, ActionPause, orange, KindPause, StatePaused, "lift"},
		// Orange in force: a second issue, a resume, a health notice are refused.
		{"active/issue", StateActive, ActionIssue, red, "", StateActive, ""},
		{"active/resume", StateActive, ActionResume, orange, "", StateActive, ""},
		{"active/health notice", StateActive, ActionHealthNotice, LevelNone, "", StateActive, ""},

		// Orange paused: resume at red (the new episode is worse).
		{"paused/resume", StatePaused, ActionResume, red, KindResume, StateActive, "orange-red"},
		// Orange paused: the city's prompt resumes it at orange.
		{"paused/upstream", StatePaused, ActionUpstream, orange, KindResume, StateActive, "orange-red"},
		// Orange paused: duty staff resume it at yellow.
		{"paused/manual", StatePaused, ActionManual, yellow, KindResume, StateActive, "yellow"},
		// Orange paused: duty staff lift it.
		{"paused/manual lift", StatePaused, ActionManual, LevelNone, KindLift, StateNone, "lift"},
		// Orange paused: lift (the veto cleared).
		{"paused/lift", StatePaused, ActionLift, LevelNone, KindLift, StateNone, "lift"},
		// Orange paused: no issue, upgrade, downgrade, extension, second pause, health notice.
		{"paused/issue", StatePaused, ActionIssue, red, "", StatePaused, ""},
		{"paused/upgrade", StatePaused, ActionUpgrade, red, "", StatePaused, ""},
		{"paused/downgrade", StatePaused, ActionDowngrade, yellow, "", StatePaused, ""},
		{"paused/extend", StatePaused, ActionExtend, orange, "", StatePaused, ""},
		{"paused/pause", StatePaused, ActionPause, orange, "", StatePaused, ""},
		{"paused/health notice", StatePaused, ActionHealthNotice, LevelNone, "", StatePaused, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := NewMemStore()
			s := newTestService(t, st, rolling(nil), &clock{t: now0})
			fromID := levelNoneID
			if tc.from != StateNone {
				fromID = "orange"
				w := &Warning{Region: "jianghua", PlanID: p.ID, LevelID: "orange", Since: now0.Add(-30 * time.Hour),
					Issued: now0.Add(-30 * time.Hour), EpisodeStart: now0.Add(-24 * time.Hour), ExpectedEnd: now0.Add(24 * time.Hour)}
				if tc.from == StatePaused {
					restart := now0.Add(12 * time.Hour)
					w.Paused, w.RestartAt = true, &restart
				}
				if _, _, err := st.Publish(ctx, 0, Transition{Key: "setup", Region: "jianghua", Kind: KindIssue, FromID: levelNoneID, ToID: "orange", At: w.Issued}, w, AuditEntry{}); err != nil {
					t.Fatal(err)
				}
			}
			pr := Proposal{Action: tc.action, Level: tc.to, LevelID: p.LevelID(tc.to), Region: "jianghua", PlanID: p.ID,
				Start: now0.Add(6 * time.Hour), ExpectedEnd: now0.Add(48 * time.Hour), RestartAt: now0.Add(30 * time.Hour),
				Key: "row:" + tc.name}
			if tc.action == ActionHealthNotice {
				pr.LevelID = p.HealthNotice.ID
			}
			if tc.kind != "" {
				a, err := NewApproval(p, pr)
				if err != nil {
					t.Fatalf("chain: %v", err)
				}
				if a.ChainID != tc.chain {
					t.Errorf("chain %s, want %s", a.ChainID, tc.chain)
				}
			}
			rec, _, err := st.AddProposal(ctx, ProposalRecord{Key: pr.Key, Region: "jianghua", Status: StatusApproved,
				Proposal: pr, FromID: fromID, LevelID: pr.LevelID, Created: now0}, AuditEntry{})
			if err != nil {
				t.Fatal(err)
			}
			before, _ := st.Transitions(ctx, 0, 100)
			if err := s.Recover(ctx); err != nil { // publishes what is approved
				t.Fatalf("publish: %v", err)
			}
			after, _ := st.Transitions(ctx, 0, 100)
			got, _ := st.Proposal(ctx, rec.ID)
			ws, _ := st.ActiveWarnings(ctx)
			var cur *Warning
			if len(ws) > 0 {
				cur = &ws[0]
			}
			if state := StateOf(cur); state != tc.after {
				t.Errorf("state after: %s, want %s", state, tc.after)
			}
			if tc.kind == "" {
				if len(after) != len(before) || got.Status != StatusSuperseded {
					t.Fatalf("refused row published: status %s, %d → %d transitions", got.Status, len(before), len(after))
				}
				audit, _ := st.Audit(ctx, 0, 100)
				last := audit[len(audit)-1]
				if last.Action != "refuse" || !strings.Contains(last.Comment, " / ") {
					t.Errorf("refusal not audited with its reason (en / zh): %+v", last)
				}
				return
			}
			if len(after) != len(before)+1 || got.Status != StatusPublished {
				t.Fatalf("status %s, %d → %d transitions", got.Status, len(before), len(after))
			}
			if k := after[len(after)-1].Kind; k != tc.kind {
				t.Errorf("published %s, want %s", k, tc.kind)
			}
			if tc.kind == KindPause && (cur == nil || cur.RestartAt == nil || !cur.RestartAt.Equal(pr.RestartAt)) {
				t.Errorf("pause without its planned restart: %+v", cur)
			}
			if tc.kind == KindExtend && !cur.ExpectedEnd.Equal(pr.ExpectedEnd) {
				t.Errorf("extension: expected end %v, want %v", cur.ExpectedEnd, pr.ExpectedEnd)
			}
		})
	}
}

// The table is complete: every (state, action) pair has a row, and every
// refusal has its reason in both languages.
func TestTransitionTableComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Transitions {
		k := fmt.Sprintf("%s/%s", r.From, r.Action)
		if seen[k] {
			t.Errorf("%s has two rows", k)
		}
		seen[k] = true
		if r.Refusal != nil && (r.Refusal.Message == "" || r.Refusal.MessageZH == "" || r.Refusal.Code != CodeTransitionInvalid) {
			t.Errorf("%s: refusal %+v", k, r.Refusal)
		}
		if r.Refusal == nil && (r.ChainAt == "" || r.Publishes == "") {
			t.Errorf("%s: no chain or publication named", k)
		}
	}
	for _, st := range []State{StateNone, StateActive, StatePaused} {
		for _, a := range knownActions {
			if !seen[fmt.Sprintf("%s/%s", st, a)] {
				t.Errorf("no row for %s/%s", st, a)
			}
		}
	}
}

// Duty staff extend or pause by hand through the same table: an extension
// of the orange in force goes to the extend chain with its new end; a pause
// with nothing in force is refused with the table's reason; a pause without
// its restart time is refused before the table is asked.
func TestManualExtendAndPause(t *testing.T) {
	ctx := context.Background()
	st := NewMemStore()
	s := newTestService(t, st, rolling(nil), &clock{t: now0})
	_, err := s.ProposeManual(ctx, "jianghua", ManualRequest{Action: ActionPause, Start: now0, End: now0.Add(24 * time.Hour), By: "duty", Reason: "会商"}, "duty_officer")
	if ErrorCode(err) != CodeTransitionInvalid || !strings.Contains(err.Error(), "pause") {
		t.Fatalf("pause with nothing in force: %v", err)
	}
	w := &Warning{Region: "jianghua", PlanID: s.Plan.ID, LevelID: "orange", Since: now0.Add(-30 * time.Hour),
		Issued: now0.Add(-30 * time.Hour), EpisodeStart: now0.Add(-24 * time.Hour), ExpectedEnd: now0.Add(24 * time.Hour)}
	if _, _, err := st.Publish(ctx, 0, Transition{Key: "setup", Region: "jianghua", Kind: KindIssue, FromID: levelNoneID, ToID: "orange"}, w, AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ProposeManual(ctx, "jianghua", ManualRequest{Action: ActionPause, By: "duty", Reason: "会商"}, "duty_officer"); ErrorCode(err) != CodeProposalIncomplete {
		t.Fatalf("pause without a restart: %v", err)
	}
	end := now0.Add(60 * time.Hour)
	rec, err := s.ProposeManual(ctx, "jianghua", ManualRequest{Action: ActionExtend, Start: now0, End: end, By: "duty", Reason: "会商：过程延长"}, "duty_officer")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Proposal.Action != ActionExtend || rec.LevelID != "orange" || rec.Approval.ChainID != "extend" || !rec.Proposal.ExpectedEnd.Equal(end) {
		t.Errorf("extension proposed as %s %s (chain %s, end %v)", rec.Proposal.Action, rec.LevelID, rec.Approval.ChainID, rec.Proposal.ExpectedEnd)
	}
}
