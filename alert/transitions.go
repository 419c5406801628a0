package alert

import "fmt"

// State is what a region has in force: nothing, a warning, or a warning
// whose measures are paused.
type State string

const (
	StateNone   State = "none"
	StateActive State = "active"
	StatePaused State = "paused"
)

// Move is how a proposal's target level relates to the level in force.
type Move string

const (
	MoveUp   Move = "up"   // a higher level than in force (any level from none)
	MoveDown Move = "down" // a lower level, still a warning
	MoveSame Move = "same" // the level in force
	MoveLift Move = "lift" // no warning
)

// MoveOf is the move from the level in force to the target.
func MoveOf(from, to Level) Move {
	switch {
	case to == LevelNone:
		return MoveLift
	case to > from:
		return MoveUp
	case to < from:
		return MoveDown
	}
	return MoveSame
}

// Transition rules: every (state, action) pair the service knows, with what
// it leads to, what the approval chain is looked up for, and what is
// published. A pair with no rule, or a move the rule does not allow, is
// refused with the rule's reason (or a generic one): never published.
type TransitionRule struct {
	From   State  `json:"from"`
	Action Action `json:"action"`
	// Moves the rule allows; empty when the target level does not
	// matter (the health notice).
	Moves []Move `json:"moves,omitempty"`
	// Kind is the transition published (KindIssue, …); To the state it
	// leaves. Both empty on a refusal row.
	Kind string `json:"kind,omitempty"`
	To   State  `json:"to,omitempty"`
	// ChainAt names the level the plan's chain for Action is looked up
	// at: "target" (the proposal's level), "none" (the lift's chain).
	ChainAt string `json:"chain_at,omitempty"`
	// Publishes says, for people, what goes out.
	Publishes string `json:"publishes,omitempty"`
	// Refusal, on a refusal row, is why the pair makes no sense.
	Refusal *Error `json:"refusal,omitempty"`
}

const (
	chainAtTarget = "target"
	chainAtNone   = "none"
)

func refuse(msg, zh string) *Error {
	return &Error{Code: CodeTransitionInvalid, Message: msg, MessageZH: zh}
}

var (
	levelChange = []Move{MoveUp, MoveDown, MoveLift}
	anyLevel    = []Move{MoveUp, MoveDown, MoveSame}
)

// Transitions is the one transition table (spec §3–§6). The engine proposes
// only what it allows; the service checks every approved proposal against
// it again at publication, because the warning may have changed since.
var Transitions = []TransitionRule{
	// Nothing in force.
	{From: StateNone, Action: ActionIssue, Moves: []Move{MoveUp}, Kind: KindIssue, To: StateActive, ChainAt: chainAtTarget,
		Publishes: "CAP Alert; public message; every unit's checklist of the level"},
	{From: StateNone, Action: ActionUpstream, Moves: []Move{MoveUp}, Kind: KindIssue, To: StateActive, ChainAt: chainAtTarget,
		Publishes: "CAP Alert; public message; every unit's checklist of the level"},
	{From: StateNone, Action: ActionManual, Moves: []Move{MoveUp}, Kind: KindIssue, To: StateActive, ChainAt: chainAtTarget,
		Publishes: "CAP Alert; public message; every unit's checklist of the level"},
	{From: StateNone, Action: ActionHealthNotice, Kind: KindHealthNotice, To: StateNone, ChainAt: chainAtNone,
		Publishes: "public health advice; the health notice's tasks"},
	{From: StateNone, Action: ActionUpgrade, Refusal: refuse("there is no warning in force to upgrade; propose an issue", "当前没有生效的预警，无法升级；请提议发布")},
	{From: StateNone, Action: ActionDowngrade, Refusal: refuse("there is no warning in force to downgrade", "当前没有生效的预警，无法降级")},
	{From: StateNone, Action: ActionLift, Refusal: refuse("there is no warning in force to lift", "当前没有生效的预警，无法解除")},
	{From: StateNone, Action: ActionExtend, Refusal: refuse("there is no warning in force to extend", "当前没有生效的预警，无法延续")},
	{From: StateNone, Action: ActionPause, Refusal: refuse("there is no warning in force to pause", "当前没有生效的预警，无法暂停")},
	{From: StateNone, Action: ActionResume, Refusal: refuse("there is no paused warning to resume", "当前没有暂停的预警，无法恢复")},

	// A warning in force.
	{From: StateActive, Action: ActionUpgrade, Moves: []Move{MoveUp}, Kind: KindUpgrade, To: StateActive, ChainAt: chainAtTarget,
		Publishes: "CAP Update; every unit's checklist of the new level"},
	{From: StateActive, Action: ActionDowngrade, Moves: []Move{MoveDown}, Kind: KindDowngrade, To: StateActive, ChainAt: chainAtTarget,
		Publishes: "CAP Update; tasks that no longer apply released"},
	{From: StateActive, Action: ActionUpstream, Moves: levelChange, ChainAt: chainAtTarget, To: StateActive,
		Publishes: "as the upgrade, downgrade or lift it makes"},
	{From: StateActive, Action: ActionManual, Moves: levelChange, ChainAt: chainAtTarget, To: StateActive,
		Publishes: "as the upgrade, downgrade or lift it makes"},
	{From: StateActive, Action: ActionLift, Moves: []Move{MoveLift}, Kind: KindLift, To: StateNone, ChainAt: chainAtNone,
		Publishes: "CAP Cancel; every task closed; plan-7 follow-ups"},
	{From: StateActive, Action: ActionExtend, Moves: []Move{MoveSame}, Kind: KindExtend, To: StateActive, ChainAt: chainAtTarget,
		Publishes: "CAP Update with the new expected end; a notice to every unit"},
	{From: StateActive, Action: ActionPause, Moves: []Move{MoveSame}, Kind: KindPause, To: StatePaused, ChainAt: chainAtNone,
		Publishes: "CAP Update; every open task suspended until the planned restart"},
	{From: StateActive, Action: ActionIssue, Refusal: refuse("a warning is already in force; propose an upgrade or an extension", "已有生效的预警；请提议升级或延续")},
	{From: StateActive, Action: ActionResume, Refusal: refuse("the warning in force is not paused", "当前预警未暂停，无需恢复")},
	{From: StateActive, Action: ActionHealthNotice, Refusal: refuse("a warning is in force: its advice replaces the health notice", "已有生效的预警，其防护建议已涵盖健康提示")},

	// A warning whose measures are paused.
	{From: StatePaused, Action: ActionResume, Moves: anyLevel, Kind: KindResume, To: StateActive, ChainAt: chainAtTarget,
		Publishes: "CAP Update; every unit's checklist of the level, tasks resumed"},
	{From: StatePaused, Action: ActionUpstream, Moves: anyLevel, Kind: KindResume, To: StateActive, ChainAt: chainAtTarget,
		Publishes: "as a resume, at the prompt's level"},
	{From: StatePaused, Action: ActionManual, Moves: []Move{MoveUp, MoveDown, MoveSame, MoveLift}, ChainAt: chainAtTarget,
		Publishes: "a resume at the level, or the lift"},
	{From: StatePaused, Action: ActionLift, Moves: []Move{MoveLift}, Kind: KindLift, To: StateNone, ChainAt: chainAtNone,
		Publishes: "CAP Cancel; every task closed; plan-7 follow-ups"},
	{From: StatePaused, Action: ActionIssue, Refusal: refuse("the warning is paused: resume it instead of issuing another", "预警处于暂停状态，请提议恢复，而非重新发布")},
	{From: StatePaused, Action: ActionUpgrade, Refusal: refuse("the warning is paused: resume it at the higher level", "预警处于暂停状态，请以更高级别提议恢复")},
	{From: StatePaused, Action: ActionDowngrade, Refusal: refuse("the warning is paused: resume it at the lower level or lift it", "预警处于暂停状态，请以较低级别恢复或解除")},
	{From: StatePaused, Action: ActionExtend, Refusal: refuse("the warning is paused: its restart carries its new times", "预警处于暂停状态，恢复时重新确定起止时间")},
	{From: StatePaused, Action: ActionPause, Refusal: refuse("the warning is already paused", "预警已处于暂停状态")},
	{From: StatePaused, Action: ActionHealthNotice, Refusal: refuse("a warning is open (paused): the health notice does not apply", "预警仍未解除（暂停中），不发布健康提示")},
}

// Transit looks up what action a, moving from the level in force to the
// target, does in state st: the rule (with Kind and To resolved for the
// level-carrying actions), or the refusal.
func Transit(st State, a Action, m Move) (TransitionRule, *Error) {
	for _, r := range Transitions {
		if r.From != st || r.Action != a {
			continue
		}
		if r.Refusal != nil {
			return r, r.Refusal
		}
		if len(r.Moves) > 0 && !containsMove(r.Moves, m) {
			return r, moveRefusal(st, m)
		}
		if r.Kind == "" { // the move decides
			switch {
			case m == MoveLift:
				r.Kind, r.To = KindLift, StateNone
			case st == StatePaused:
				r.Kind, r.To = KindResume, StateActive
			case m == MoveUp:
				r.Kind = KindUpgrade
			default:
				r.Kind = KindDowngrade
			}
		}
		return r, nil
	}
	return TransitionRule{From: st, Action: a}, refuse(fmt.Sprintf("%s is not a transition of a region in state %s", a, st),
		fmt.Sprintf("当前状态（%s）下不能执行 %s", st, a))
}

func containsMove(ms []Move, m Move) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

func moveRefusal(st State, m Move) *Error {
	switch {
	case m == MoveLift && st == StateNone:
		return refuse("there is no warning in force to lift", "当前没有生效的预警，无法解除")
	case m == MoveSame:
		return refuse("that level is already in force; propose an extension or another level", "该级别已生效，不能再次提议同一级别；如需延长请提议延续，或提议其他级别")
	case m == MoveLift:
		return refuse("a lift is proposed as a lift, not as this action", "解除须以解除提议提出")
	}
	return refuse(fmt.Sprintf("a %s move is not possible from state %s with this action", m, st),
		fmt.Sprintf("当前状态（%s）下不能以此方式调整级别（%s）", st, m))
}

// chainAtNoLevel reports whether the transition table looks a's approval
// chain up at no level (the lift's chain: lift, pause, health notice).
func chainAtNoLevel(a Action) bool {
	for _, r := range Transitions {
		if r.Action == a && r.ChainAt == chainAtNone {
			return true
		}
	}
	return false
}
