package wire

import (
	"regexp"
	"sort"
	"strconv"

	"github.com/go-json-experiment/json"
)

// Unjudged lists the strings of a request body that the guard neither
// judges nor redacts (no Text of Parse covers them), by JSON path with
// array indexes written [], once each. A test holds OpenClaw's real
// requests to it: a string OpenClaw starts to send in a new place fails
// the test unless it is accounted for (NotOutsideText).
func Unjudged(api API, body []byte) ([]string, error) {
	req, err := Parse(api, body)
	if err != nil {
		return nil, err
	}
	judged := map[string]bool{}
	for _, it := range req.Items {
		for _, t := range it.Texts {
			judged[t.Path] = true
		}
	}
	for _, t := range req.Top {
		judged[t.Path] = true
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(x, p)
			}
		case []any:
			for i, x := range v {
				walk(x, path+"["+strconv.Itoa(i)+"]")
			}
		case string:
			if !judged[path] {
				seen[arrayIndex.ReplaceAllString(path, "[]")] = true
			}
		}
	}
	walk(v, "")
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

var arrayIndex = regexp.MustCompile(`\[\d+\]`)

// NotOutsideText matches the paths of strings OpenClaw sends that carry no
// text from outside the agent, so the guard does not judge them:
// identifiers, roles, types, enums, the model's own tool names, cache
// hints, and the names, types and schema keywords of the tool definitions
// (their descriptions are judged).
var NotOutsideText = regexp.MustCompile(`^(model|tool_choice(\..*)?|tools\[\](\..*)?\.(name|type|format|pattern|\$ref|\$schema|\$id|contentEncoding|contentMediaType|strict)|tools\[\]\..*\.(enum|required|type)\[\]|tools\[\]\.cache_control\..*|` +
	`(messages|input)\[\](\.content\[\])?\.(role|type|id|name|call_id|tool_call_id|tool_use_id|status|phase|cache_control\.type)|` +
	`messages\[\]\.tool_calls\[\]\.(id|type|function\.name)|system\[\]\.(type|cache_control\.type))$`)
