package docs_test

import (
	"encoding/json"
	"testing"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/palja/palja/docs"
)

// TestOpenAPIIsValid checks docs/openapi.json against the OpenAPI 3.1
// schema.
func TestOpenAPIIsValid(t *testing.T) {
	doc, err := libopenapi.NewDocument(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("%s: %s", e.Message, e.Reason)
		}
	}
}

// TestOpenAPIExamples checks that every example of a request or response
// body matches its own schema, so that the examples a reader copies are
// right.
func TestOpenAPIExamples(t *testing.T) {
	doc, err := libopenapi.NewDocument(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	sv := schema_validation.NewSchemaValidator()
	seen := 0
	check := func(where string, content *orderedmap.Map[string, *v3.MediaType]) {
		for mediaType, mt := range content.FromOldest() {
			if mediaType != "application/json" || mt.Schema == nil {
				continue
			}
			schema := mt.Schema.Schema()
			if mt.Example != nil {
				seen++
				checkExample(t, sv, where+" example", schema, mt.Example)
			}
			for name, ex := range mt.Examples.FromOldest() {
				seen++
				checkExample(t, sv, where+" example "+name, schema, ex.Value)
			}
		}
	}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			where := method + " " + path
			if op.RequestBody != nil {
				check(where+" request", op.RequestBody.Content)
			}
			for code, res := range op.Responses.Codes.FromOldest() {
				check(where+" "+code, res.Content)
			}
		}
	}
	if seen < 20 {
		t.Errorf("checked only %d examples", seen)
	}
}

func checkExample(t *testing.T, sv schema_validation.SchemaValidator, where string, schema *base.Schema, node *yaml.Node) {
	t.Helper()
	var v any
	if err := node.Decode(&v); err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	if ok, errs := sv.ValidateSchemaBytes(schema, b); !ok {
		for _, e := range errs {
			for _, f := range e.SchemaValidationErrors {
				t.Errorf("%s does not match its schema: %s: %s", where, f.FieldPath, f.Reason)
			}
			if len(e.SchemaValidationErrors) == 0 {
				t.Errorf("%s does not match its schema: %s", where, e.Reason)
			}
		}
	}
}
