package alert

// Transition kinds: what a published proposal did to the region's warning.
const (
	KindIssue        = "issue"
	KindUpgrade      = "upgrade"
	KindDowngrade    = "downgrade"
	KindLift         = "lift"
	KindHealthNotice = "health_notice"
	KindExtend       = "extend" // same level, new expected end
	KindPause        = "pause"  // measures suspended until a planned restart
	KindResume       = "resume" // measures restarted after a pause
)
