package api

import (
	"github.com/gin-gonic/gin"
)

// addRoutes declares every route of the service in one place.
func addRoutes(r *gin.Engine, d Deps) {
	r.GET("/", handlePublicPage())
	r.GET("/console", handleConsolePage())
	r.GET("/unit", handleUnitPage())
	// The emission-reduction list's public side (sources.go).
	rd := d.Reduction.withDefaults(d.Now)
	r.GET("/sources", handleSourcesPage())
	r.GET("/sources/:id", handleSourcePage(rd))
	r.GET("/sources/:id/signboard", handleSignboard(rd))
	r.GET("/verify", handleVerifyPage())
	r.GET("/enterprise", handleEnterprisePage())
	r.GET("/inspect", handleInspectPage())
	r.GET("/stats", handleStatsPage())
	r.GET("/assets/*file", handleAsset())
	r.GET("/api/openapi.json", cacheControl(cacheDocs), handleOpenAPI())
	r.GET("/healthz", handleHealthz())
	r.GET("/readyz", handleReadyz(d.Ready, d.Staff, d.Logger))
	if d.Metrics != nil {
		r.GET("/metrics", gin.WrapH(d.Metrics))
	}

	v1 := r.Group("/api/v1")
	v1.GET("/aqi/current", cacheControl(cacheCurrent), newCurrentCache(d).handle, handleCurrentAQI(d))
	v1.GET("/aqi/history", cacheControl(cacheHistory), handleHistory(d))
	v1.GET("/stations", cacheControl(cacheStations), handleStations(d.Stations, d.Regions))
	v1.GET("/sources", handleSources(rd))
	v1.GET("/sources/:id", handleSource(rd))

	staff := v1.Group("", requireStaff(d.Staff), refuseUnitTokens())
	v1.GET("/me", requireStaff(d.Staff), handleMe(d.Alert)) // staff and member units alike
	// A member unit's own endpoints: staff, or the unit's own token (auth.go).
	member := v1.Group("/units/:unit", requireStaff(d.Staff), requireOwnUnit())
	staff.GET("/ingest/deadletters", handleDeadLetters(d.DeadLetters))
	staff.GET("/stations/health", handleStationsHealth(d.StationHealth))

	// The warning engine (warnings.go, forecasts.go).
	a := d.Alert
	a.fill() // the seams the service did not set come from it
	v1.GET("/plan", cacheControl(cacheStations), handlePlan(a))
	v1.GET("/warnings/active", handleActiveWarnings(a))
	v1.GET("/warnings/:id", handleWarning(a))
	staff.GET("/proposals", handleProposals(a))
	staff.GET("/proposals/:id", handleProposal(a))
	staff.POST("/proposals/:id/approve", handleSign(a, true))
	staff.POST("/proposals/:id/reject", handleSign(a, false))
	staff.POST("/proposals", requirePlanRole(a), handleManualProposal(a))
	staff.POST("/upstream-prompts", requirePlanRole(a), handleUpstreamPrompt(a))
	staff.GET("/audit", handleAudit(a))
	staff.GET("/transitions", handleTransitions(a))
	staff.GET("/warnings/status", handleDecisionStatus(a)) // decisions.go: the console's timeline and next decision
	staff.POST("/forecasts", requirePlanRole(a), handlePostForecast(a))
	staff.GET("/forecasts", handleForecasts(a))
	staff.GET("/forecasts/verification", handleVerification(a))
	staff.GET("/forecasts/status", handleForecastStatus(a))

	// Delivery: CAP feed, acknowledgements, the duty board, reports (feed.go, units.go).
	pd := d.Publish
	v1.GET("/warnings/feed.atom", handleFeed(pd))
	v1.GET("/warnings/:id/cap.xml", handleCAP(pd))
	v1.GET("/notices/:serial", handleVerifyNotice(pd)) // notices.go: is a listed source's notice genuine?
	staff.GET("/units", handleUnits(pd))
	staff.GET("/warnings/:id/board", handleBoard(pd, rd))
	member.GET("/tasks", handleUnitTasks(a, pd))
	member.POST("/ack", handleAck(pd))
	member.POST("/tasks/:task/done", handleTaskDone(pd))
	member.POST("/tasks/:task/photos", handleAddEvidence(pd)) // evidence.go: photos of a report
	member.GET("/photos", handleTaskEvidence(pd))
	v1.GET("/evidence/:sha", requireStaff(d.Staff), handleEvidenceData(pd))
	staff.GET("/deliveries", handleDeliveries(pd))
	staff.GET("/episodes/:id/report", handleReport(pd))

	// The reduction list's yearly revision (lists.go).
	staff.GET("/reduction/accounting", handleAccounting(d.Lists))
	staff.GET("/reduction/versions", handleListVersions(d.Lists))
	staff.POST("/reduction/versions", handleAddListVersion(d.Lists))
	staff.GET("/reduction/versions/:id", handleListVersion(d.Lists))
	staff.GET("/reduction/versions/:id/filing.csv", handleListFiling(d.Lists))
	staff.POST("/reduction/versions/:id/:action", handleListStep(d.Lists))

	// The inspection loop of compliance (compliance.go): findings and
	// consequences for staff; inspections for staff or the inspecting
	// unit's own token (checked per inspection).
	cd := d.Compliance
	staff.GET("/compliance/events", handleComplianceEvents(cd))
	staff.GET("/compliance/events/:id", handleComplianceEvent(cd))
	staff.GET("/compliance/consequences", handleConsequences(cd))
	staff.POST("/compliance/consequences/:id/approve", handleConsequenceSign(cd, true))
	staff.POST("/compliance/consequences/:id/reject", handleConsequenceSign(cd, false))
	staff.GET("/compliance/cases.csv", handleCases(cd))
	staff.GET("/compliance/approvals", handleApprovals(cd))
	staff.POST("/compliance/approvals", handleRecordApproval(cd))
	insp := v1.Group("/inspections", requireStaff(d.Staff))
	insp.GET("", handleInspections(cd))
	insp.GET("/:id", handleInspection(cd))
	insp.POST("/:id/findings", handleFindings(cd))
	insp.POST("/:id/photos", handleInspectionPhoto(cd))
	insp.POST("/:id/conclude", handleConclude(cd))

	// Statistics, the county's targets and the reports handed in (stats.go).
	sd := d.Stats.withNow(d.Now)
	v1.GET("/stats", cacheControl(cacheHistory), handleStats(sd, d))
	v1.GET("/targets", cacheControl(cacheHistory), handleTargets(sd))
	staff.GET("/reports/monthly", handleMonthlyReport(sd, d))
	staff.GET("/reports/annual", handleAnnualReport(sd, d))
}
