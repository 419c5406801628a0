// Package compliance answers "did they really stop?": from the reduction
// list, the warnings in force, 15-minute meter readings and a calendar it
// finds the listed sources whose power use says they did not carry out
// their measures (rules R1–R8, notes §7 P1; Params.Evaluate) and works out
// the cut the list
// should achieve against the plan's required shares of a county inventory
// (AccountingParams.Account). What a confirmed finding leads to is the
// inspection loop's (compliance/inspect). Every number is data
// (configs/compliance/defaults.yaml, ParseParams).
//
// It is pure: no I/O and no clock; now is an argument.
package compliance
