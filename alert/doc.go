// Package alert decides heavy-pollution warnings from a plan and a situation.
//
// It is the rule engine of spec/warning-rules.md, pure: no I/O except reading
// a plan file, no clock (now is part of the Situation), no stores, brokers or
// HTTP. The same plan and situation always give the same Evaluation, which is
// what lets a replay run years of hourly data in seconds and a restarted
// service reach exactly the decision it had reached before.
//
// # The plan is data
//
// Every threshold, duration, role and approval chain comes from a plan file
// (configs/plans/*.yaml) loaded with LoadPlan or ParsePlan, which report all
// problems of a file in one error. The Go code holds no number of the
// county plan; a second plan in the older 48/72/96-hour style runs through
// the same code.
//
// # Vocabulary
//
//   - Window: a span with one daily-AQI value (24 consecutive hours that may
//     cross midnight, plan 4.2). Observed windows end at each hour ≤ now;
//     forecast windows are forecast days (or rolling forecast windows).
//   - Run (exceedance run) for a threshold X: a maximal connected interval
//     of the union of the windows with AQI > X. Its duration is its length.
//   - Level(τ) (Plan.LevelAt): the highest level whose condition holds at
//     τ, judged from the runs that contain τ.
//   - Episode (重污染过程): a maximal stretch of τ with Level(τ) ≥ the lowest
//     level, stretches less than the merge gap apart joined (plan 4.5).
//   - Proposal: one transition (issue, upgrade, downgrade, lift, health
//     notice, upstream, manual) for an approval chain, with evidence and an
//     idempotency key. Evaluate returns at most one.
//   - Approval: the state of one proposal's chain; Sign enforces its order.
//
// # Interpretations chosen (spec/warning-rules.md §8, and ours)
//
//   - "Lasts N hours" is the length of the union of exceeding windows. One
//     forecast day above X is a 24 h run, two consecutive days 48 h; rolling
//     observed windows above X ending at t1..t2 make t2 − t1 + 24 h. Windows
//     touching end to start are connected; a few missing observed hours do
//     not break a run because rolling windows overlap.
//   - Thresholds compare with ">" (200 is not "> 200"), durations with "≥".
//   - The level at an instant comes from the runs containing it, counted
//     whole, past and future: an ongoing episode keeps its past, and a
//     finished peak no longer holds a higher level (red steps down to orange
//     once the > 300 run is over). Each term of an "and" condition (red: > 200
//     for 72 h and > 300 for 24 h) needs its own run containing the instant.
//   - One blended series (spec version 2, §1): observed hours up to now and
//     the newest hourly forecast after now (Situation.ObservedHours and
//     ForecastHours) make every rolling window ending after now; a window
//     that straddles now counts whole. Daily forecasts stay whole
//     calendar-day windows; one already over is dropped. The first hours
//     of an hourly forecast are bias-corrected (blend.go).
//   - Issue: the first episode within the issue look-ahead, at its highest
//     visible level, effective from its start rounded down to a standard
//     hour; urgent (any hour) when waiting for the next decision time would
//     leave less than the plan's lead, else at a decision time only.
//   - Upgrade at any hour when a higher level appears within the upgrade
//     look-ahead, effective at its onset; a level only observations show
//     needs consecutive observed windows above its threshold (spike filter).
//   - Downgrade, lift, pause and extension only at decision times (see
//     Decisions and the README "How the engine decides"). Without a
//     forecast reaching the plan's coverage the Evaluation asks for one
//     (NeedForecast); on the persistence baseline the improvement must have
//     been observed for the baseline's hours. Observations alone never lift.
//   - With no forecast reaching past now, the last observed instant stands
//     for now, so an episode observed up to now is in progress and can be
//     issued or raise a warning (but never lift it). SourceBaseline windows
//     are judged like a forecast for levels but never count as a
//     forecaster's support (spike filter, baseline rules).
//   - Health notice: no warning active, no episode ahead, and a forecast
//     period overlapping [now, now + horizon) exceeds a concentration limit.
//     It is published by duty staff with one confirmation.
//   - Upstream prompts raise the timeline to at least their level over their
//     period from now on; a proposal that only a prompt reaches has action
//     "upstream". A prompt also keeps a warning from being lifted during its
//     period. A manual request from duty staff takes precedence over data.
//   - Keys: region|action|from|to|episode start, plus the time the active
//     level was published (so re-raising after a downgrade is a new key) or
//     the manual request id. Windows are no longer cut at now, so the
//     key does not move every hour. A forecast revision that moves a future
//     start yields a new key; callers supersede a pending proposal of the
//     same region.
//   - Approval chains are ordered steps; a step may need several roles (all
//     of) or one of several (any of). A role signs a proposal once, and one
//     person cannot fill two roles of a chain (the consultation needs two
//     bureaus, not one person twice). A rejection needs a reason and closes
//     the proposal; the engine proposes again only when the data change
//     (a different key). The chain is copied into the Approval when it
//     starts, so a plan reload does not change a proposal under signature.
//   - A warning issued ahead of its episode (the episode may start more
//     than the persistence time ahead) is kept until the episode comes,
//     not lifted the next hour; if the forecast drops the episode, it is
//     lifted.
//
// # What is here, and what is not
//
// Pure, in this package: the plan (plan.go, decisions.go), windows, runs
// and levels (runs.go), the blended series (blend.go), episodes and
// Evaluate (evaluate.go), the transition table (transitions.go: every
// state × action, what it leads to, its chain and what is published),
// approvals (approval.go), forecasts as data (forecast.go, forecastcsv.go)
// and the verification and scorecard arithmetic (verify.go, scorecard.go).
//
// Stateful, in alert/lifecycle: the Service that carries proposals through
// approvals to published transitions on a Store (store/sqlite in the
// service, lifecycle.MemStore in replays and tests), and recovery after a
// restart. Delivery is alert/publish and alert/notify.
//
// # Cost
//
// Evaluate is O(n log n) in the windows it is given. A replay passes the
// observed windows ending after now − Plan.Lookback() and the forecast
// horizon (a few hundred windows), not the whole history.
package alert
