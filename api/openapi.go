package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPI is the contract of the HTTP API, written by hand and checked
// against the router and against real responses in openapi_test.go.
//
//go:embed openapi.json
var openAPI []byte

// handleOpenAPI serves the OpenAPI 3 document.
func handleOpenAPI() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Data(http.StatusOK, "application/json", openAPI)
	}
}
