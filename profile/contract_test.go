package profile_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	validationerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"

	"github.com/palja/palja/docs"
)

// contract is docs/openapi.json made ready to validate exchanges: built once
// for all tests, safe for concurrent use.
type contract struct {
	v        validator.Validator
	errorDoc *base.Schema // components/schemas/Error, for routes the document does not have
	schemas  schema_validation.SchemaValidator
}

var loadContract = sync.OnceValues(func() (*contract, error) {
	doc, err := libopenapi.NewDocument(docs.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("parse docs/openapi.json: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build the model of docs/openapi.json: %w", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("validator for docs/openapi.json: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		return nil, fmt.Errorf("docs/openapi.json is not a valid OpenAPI document:\n%s", describe(verrs))
	}
	proxy := model.Model.Components.Schemas.GetOrZero("Error")
	if proxy == nil {
		return nil, fmt.Errorf("docs/openapi.json has no components/schemas/Error")
	}
	return &contract{v: v, errorDoc: proxy.Schema(), schemas: schema_validation.NewSchemaValidator()}, nil
})

// checkContract validates one exchange of the end-to-end tests against
// docs/openapi.json, so that the document cannot drift from the code:
//
//   - The response must always match the document: its status must be
//     declared for the operation, and its headers and body must match.
//     Answers on routes the document does not have (404 for an unknown path,
//     405 for a wrong method) must still be the documented Error object.
//   - The request is checked too, but the tests send invalid requests on
//     purpose (malformed JSON, wrong types, 70 KB bodies): a request that
//     violates the document is a drift only when the server accepted it
//     with a 2xx.
//
// req has been sent already; its body is given again as reqBody, and the
// response body, already read, as resBody.
func checkContract(t testing.TB, req *http.Request, reqBody []byte, res *http.Response, resBody []byte) {
	t.Helper()
	if req.Method == http.MethodHead {
		return // the document has GET; TestHead checks that HEAD answers as GET does, without the body
	}
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	r.ContentLength = int64(len(reqBody))
	rs := *res
	rs.Body = io.NopCloser(bytes.NewReader(resBody))
	rs.Request = r
	where := fmt.Sprintf("%s %.120s → %d", req.Method, req.URL.RequestURI(), res.StatusCode)

	reqOK, reqErrs := c.v.ValidateHttpRequestSync(r)
	if undocumentedRoute(reqErrs) {
		c.checkUndocumented(t, where, req.URL.Path, &rs, resBody)
		return
	}
	if !reqOK && res.StatusCode >= 200 && res.StatusCode < 300 {
		t.Errorf("contract drift: %s: the request violates docs/openapi.json, yet the server accepted it:\n%s",
			where, describe(reqErrs))
	}
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	if ok, errs := c.v.ValidateHttpResponse(r, &rs); !ok {
		t.Errorf("contract drift: %s: the response does not match docs/openapi.json:\n%s\nbody: %.500s",
			where, describe(errs), resBody)
	}
}

// undocumentedRoute reports whether the validator found no operation for the
// request's method and path.
func undocumentedRoute(errs []*validationerrors.ValidationError) bool {
	for _, e := range errs {
		if e.IsPathMissingError() || e.IsOperationMissingError() {
			return true
		}
	}
	return false
}

// checkUndocumented checks the answer on a route that the document does not
// have: it can only be the API's 404 or 405 (under /v1 also the 401 or 429
// of authentication, which comes first), with X-Request-Id and the
// documented Error body.
func (c *contract) checkUndocumented(t testing.TB, where, path string, res *http.Response, body []byte) {
	t.Helper()
	v1 := path == "/v1" || strings.HasPrefix(path, "/v1/")
	switch res.StatusCode {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
	case http.StatusUnauthorized, http.StatusTooManyRequests:
		if !v1 {
			t.Errorf("contract drift: %s: the route is not in docs/openapi.json and not under /v1, yet the status is not 404 or 405", where)
			return
		}
	default:
		t.Errorf("contract drift: %s: the route is not in docs/openapi.json, yet the status is not 404 or 405 (or 401, 429 under /v1)", where)
		return
	}
	if !strings.HasPrefix(res.Header.Get("X-Request-Id"), "req_") {
		t.Errorf("contract drift: %s: no X-Request-Id", where)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("contract drift: %s: Content-Type %q, want application/json", where, ct)
	}
	if ok, errs := c.schemas.ValidateSchemaBytes(c.errorDoc, body); !ok {
		t.Errorf("contract drift: %s: the body is not the Error object of docs/openapi.json:\n%s\nbody: %.500s",
			where, describe(errs), body)
	}
}

// describe lists validation errors one per line, with the schema failures
// under each.
func describe(errs []*validationerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  - %s: %s\n", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			if f.FieldPath != "" {
				fmt.Fprintf(&b, "      %s: %s\n", f.FieldPath, f.Reason)
			} else {
				fmt.Fprintf(&b, "      %s\n", f.Reason)
			}
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
