package profile_test

import (
	"net/http"
	"testing"
)

// checkContract validates one exchange of the end-to-end tests against the
// OpenAPI document. (Filled in with the OpenAPI validator.)
func checkContract(t testing.TB, req *http.Request, reqBody []byte, res *http.Response, resBody []byte) {}
