// Package reduction is the county's emergency emission-reduction list
// (重污染天气应急减排清单) as data, and what each listed source must do at
// each warning level.
//
// # What the list is
//
// Below the county plan sit the departments' plans, the firms' "一厂一策"
// and the reduction list (plan 1.4). The command office revises the list
// regularly; it covers industrial, mobile and dust sources with each
// source's basic data and its measures per warning level, and it is
// published (3.1). Firms hold a "一厂一策" and a signboard naming the lines
// to stop and the key indicators (3.2). Measures must be operable,
// monitorable and checkable, set per line or process (5.2). Every year by
// the end of September the list is revised, published and filed with the
// city (9.3). The research behind the model is
// shared/reference/reduction-list-notes.md ("notes"); comments cite its
// sections and source tags.
//
// # What the package does
//
//   - Parse and Load decode a list strictly (unknown keys are errors) and
//     validate it against the plan's vocabularies (Refs), reporting every
//     problem with its line in one *Error (an aqwarn.Error EINVALID).
//   - List.Resolve gives each source's Instruction for a level, Enterprise.Public
//     what may be disclosed, Diff and WriteFilingCSV the annual revision's
//     review and filing, Reminders the revision's reminder dates.
//
// It does no I/O but Load reading its file and WriteFilingCSV writing to
// the writer it is given, and it never reads the clock: callers pass now.
// Notices to firms, acknowledgements, escalation, the revision workflow and
// storage are the service's; power-based compliance checks come later
// (notes §7 P1).
//
// # Rules of resolution
//
//   - Levels are cumulative: red ⊇ orange ⊇ yellow ⊇ pre (plan 5.2). On a
//     target (a unit; a firm-wide measure covers every production unit)
//     the strongest production measure wins — stop = 100, limit_pct X = X,
//     a cap by its cut against its base — and a later level's measure
//     supersedes an earlier one as strong, except that a grade default
//     does not displace the firm's own measure. Other actions are kept once
//     per action and targets (the latest), custom ones all.
//   - A firm's own measures for a level replace the defaults of that level;
//     a level without any takes its grade table's row (grade_defaults).
//   - Unrated firms take the lowest grade of their industry's table; a
//     grade outside grade_from…grade_to counts as unrated (notes §7 [V G2]).
//   - A, A+ and 引领性 reduce by themselves (self_determined, notes §2.4 [V N8]).
//   - Residential heating is never told to stop or limit (notes §2.3 [V N5]).
//   - A guarantee firm is never stopped; from yellow it is limited to its
//     approved load (limit_pct = 100 − approved_max_load_pct; notes §2.3, G9).
//   - A long-stopped source has nothing to do but stay stopped.
//   - Only PM-driven warnings (pm25, pm10, or unknown) push list measures;
//     an O3- or NO2-driven warning tags industrial sources with VOCs or NOx
//     emissions for watch instead (notes §2.9).
//
// # Validation beyond the vocabularies
//
// Credit-code checksums (GB 32100-2015), ids unique and known to the plan,
// limit_pct in (0, 100), a measure on a unit the firm has, no stop of a
// treatment facility or a non-interruptible process, no stop or limit of a
// heating source or a guarantee firm, every listed producing source with a
// measure (or a default) at yellow, orange and red, and no level cutting
// less on a target than a lower one.
package reduction
