// Package docs holds the documents that palja serves about itself.
package docs

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the palja API (openapi.json beside
// this file), served at /openapi.json. The end-to-end tests of package
// profile validate every request and response against it.
//
//go:embed openapi.json
var OpenAPI []byte
