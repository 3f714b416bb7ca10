package higresslogreceiver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBodyForms(t *testing.T) {
	one := `{"request_id":"r1","method":"GET"}`
	two := `{"request_id":"r2","method":"POST"}`
	tests := []struct {
		name     string
		body     string
		accepted int
		problems []string // reasons, in order
	}{
		{"single object (today's plugin)", one, 1, nil},
		{"single object with whitespace", "\n\t " + one + "\n\n", 1, nil},
		{"UTF-8 BOM", "\xEF\xBB\xBF" + one, 1, nil},
		{"array", "[" + one + "," + two + "]", 2, nil},
		{"empty array", "[]", 0, nil},
		{"NDJSON", one + "\n" + two + "\n", 2, nil},
		{"NDJSON CRLF", one + "\r\n" + two + "\r\n", 2, nil},
		{"concatenated", one + two, 2, nil},
		{"array with non-objects", "[" + one + `,1,"x",null,[],` + two + "]", 2, []string{reasonNotObject, reasonNotObject, reasonNotObject, reasonNotObject}},
		{"NDJSON with a bad line", one + "\n{broken\n" + two + "\n", 2, []string{reasonInvalidJSON}},
		{"NDJSON with a scalar line", one + "\n42\n" + two, 2, []string{reasonNotObject}},
		{"NDJSON truncated last line", one + "\n" + `{"request_id":"r`, 1, []string{reasonInvalidJSON}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ld, problems := mustBuild(t, tt.body)
			assert.Equal(t, tt.accepted, ld.LogRecordCount())
			var reasons []string
			for _, p := range problems {
				reasons = append(reasons, p.Reason)
				assert.NotEmpty(t, p.Error)
			}
			assert.Equal(t, tt.problems, reasons)
		})
	}
}

func TestBodyErrors(t *testing.T) {
	tests := []struct {
		name, body, reason, msg string
	}{
		{"empty", "", reasonEmpty, "empty body"},
		{"whitespace only", " \n ", reasonEmpty, "empty body"},
		{"not JSON", "hello", reasonInvalidJSON, "line 1, column 1"},
		{"truncated object", `{"a":`, reasonInvalidJSON, "body is not JSON"},
		{"broken array", `[{"a":1},{"b":]`, reasonInvalidJSON, "invalid JSON array: line 1"},
		{"error position on line 2", "{\"a\":1,\n\"b\":x}", reasonInvalidJSON, "line 2, column 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := buildLogs([]byte(tt.body), arrival{at: testNow}, defaultServiceName, defaultMaxExtraFields)
			require.Error(t, err)
			var be *bodyError
			require.ErrorAs(t, err, &be)
			assert.Equal(t, tt.reason, be.reason)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestArrayElementErrorsNameTheIndex(t *testing.T) {
	_, problems := mustBuild(t, `[{"a":1},"oops"]`)
	require.Len(t, problems, 1)
	assert.Equal(t, 1, problems[0].Index)
	assert.True(t, strings.Contains(problems[0].Error, "element 1 is a string"), problems[0].Error)
}
