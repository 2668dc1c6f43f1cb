package wire

import (
	"strings"
)

// classify turns the strings of one history element into the texts the
// guard judges, each with the origin its place in the API's shape gives it.
func (p *parser) classify(path string, leaves []leaf) ([]Text, error) {
	c := classifier{p: p, path: path, vals: map[string]string{}}
	for _, l := range leaves {
		switch lastKey(l.path) {
		case "role", "type", "tool_call_id", "call_id", "tool_use_id", "name":
			v, err := p.value(l)
			if err != nil {
				return nil, bodyErr(path+"."+l.path, "is not a valid JSON string: %v", err)
			}
			c.vals[l.path] = v
		}
	}
	var err error
	switch p.api {
	case Completions:
		err = c.completions(leaves)
	case Responses:
		err = c.responses(leaves)
	case Anthropic:
		err = c.anthropic(leaves)
	}
	return c.out, err
}

type classifier struct {
	p    *parser
	path string
	vals map[string]string // role, type and id strings by path
	out  []Text
}

func (c *classifier) add(l leaf, o Origin, callID string, signed bool) error {
	t, err := c.p.text(l, o)
	if err != nil {
		return err
	}
	t.Path = c.path + "." + l.path
	t.CallID = callID
	t.Signed = signed
	c.out = append(c.out, t)
	return nil
}

// lastKey is the last member name of a path: "text" for "content[0].text".
func lastKey(path string) string {
	if i := strings.LastIndexAny(path, ".]"); i >= 0 {
		return path[i+1:]
	}
	return path
}

// part splits "content[3].image_url.alt" under prefix "content" into the
// part's path "content[3]" and the key inside it "image_url.alt".
func part(path, prefix string) (partPath, key string, ok bool) {
	if !strings.HasPrefix(path, prefix+"[") {
		return "", "", false
	}
	end := strings.IndexByte(path[len(prefix):], ']')
	if end < 0 {
		return "", "", false
	}
	partPath = path[:len(prefix)+end+1]
	key = strings.TrimPrefix(path[len(partPath):], ".")
	return partPath, key, true
}

// altKey names the fields of an image that hold text about it.
func altKey(key string) bool {
	switch lastKey(key) {
	case "alt", "alt_text", "altText", "caption", "title", "description":
		return true
	}
	return false
}

// opaqueKey names fields that hold identifiers, enums, signatures or
// encrypted or binary data rather than text: never judged as text.
func opaqueKey(key string) bool {
	k := lastKey(key)
	switch k {
	case "type", "id", "role", "status", "call_id", "tool_call_id", "tool_use_id", "signature", "media_type", "mime_type",
		"detail", "url", "image_url", "file_id", "file_url", "data", "format", "name", "phase":
		return true
	}
	return strings.Contains(key, "encrypted") || strings.HasPrefix(key, "cache_control") || strings.Contains(key, "cache_control.")
}

func roleOrigin(role string) Origin {
	switch role {
	case "system", "developer":
		return OriginSystem
	case "assistant":
		return OriginAssistant
	case "user":
		return OriginUser
	case "tool", "function":
		return OriginToolResult
	}
	return OriginUnknown
}

// completions: {role, content: string | [parts], tool_calls, tool_call_id}.
func (c *classifier) completions(leaves []leaf) error {
	role, ok := c.vals["role"]
	if !ok {
		return bodyErr(c.path+".role", "is missing or not a string")
	}
	o := roleOrigin(role)
	callID := c.vals["tool_call_id"]
	if role == "function" {
		callID = c.vals["name"]
	}
	for _, l := range leaves {
		var err error
		switch {
		case l.path == "content":
			err = c.add(l, o, callID, false)
		case strings.HasPrefix(l.path, "content["):
			err = c.contentPart(l, "content", o, callID)
		case strings.HasPrefix(l.path, "tool_calls[") && strings.HasSuffix(l.path, ".function.arguments"),
			l.path == "function_call.arguments":
			err = c.add(l, OriginAssistant, "", false)
		case l.path == "reasoning_content" || l.path == "reasoning" || l.path == "refusal":
			if o == OriginAssistant {
				err = c.add(l, OriginAssistant, "", false)
			} else {
				err = c.add(l, OriginUnknown, callID, false)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// contentPart classifies a string inside one content part of OpenAI's
// shapes (chat content parts and Responses content/output parts).
func (c *classifier) contentPart(l leaf, prefix string, o Origin, callID string) error {
	pp, key, ok := part(l.path, prefix)
	if !ok {
		return nil
	}
	switch c.vals[pp+".type"] {
	case "text", "input_text", "output_text":
		if key == "text" {
			return c.add(l, o, callID, false)
		}
	case "refusal":
		if key == "refusal" {
			return c.add(l, OriginAssistant, "", false)
		}
	case "image_url", "image", "input_image":
		if altKey(key) {
			return c.add(l, OriginImageText, callID, false)
		}
	case "input_audio", "audio", "file", "input_file", "video_url":
		if altKey(key) {
			return c.add(l, OriginImageText, callID, false)
		}
	default:
		if !opaqueKey(key) {
			return c.add(l, OriginUnknown, callID, false)
		}
	}
	return nil
}

// responses: input items of type message, function_call,
// function_call_output, reasoning, ...
func (c *classifier) responses(leaves []leaf) error {
	typ, role := c.vals["type"], c.vals["role"]
	if typ == "" && role != "" {
		typ = "message" // EasyInputMessage
	}
	callID := c.vals["call_id"]
	for _, l := range leaves {
		var err error
		switch typ {
		case "message":
			o := roleOrigin(role)
			if o == OriginToolResult {
				o = OriginUnknown
			}
			switch {
			case l.path == "content":
				err = c.add(l, o, "", false)
			case strings.HasPrefix(l.path, "content["):
				if o == OriginAssistant && strings.Contains(l.path, ".annotations[") {
					continue
				}
				err = c.contentPart(l, "content", o, "")
			}
		case "function_call", "custom_tool_call", "local_shell_call", "computer_call", "mcp_approval_request":
			if !opaqueKey(l.path) {
				err = c.add(l, OriginAssistant, "", false)
			}
		case "function_call_output", "custom_tool_call_output", "local_shell_call_output", "computer_call_output":
			switch {
			case l.path == "output":
				err = c.add(l, OriginToolResult, callID, false)
			case strings.HasPrefix(l.path, "output["):
				err = c.contentPart(l, "output", OriginToolResult, callID)
			}
		case "mcp_call":
			switch {
			case l.path == "arguments":
				err = c.add(l, OriginAssistant, "", false)
			case l.path == "output" || l.path == "error":
				err = c.add(l, OriginToolResult, c.vals["id"], false)
			}
		case "reasoning":
			if lastKey(l.path) == "text" {
				err = c.add(l, OriginAssistant, "", false)
			}
		case "compaction", "item_reference":
			// Opaque to everyone but the provider.
		default:
			if !opaqueKey(l.path) {
				err = c.add(l, OriginUnknown, callID, false)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// anthropic: {role, content: string | [blocks]}.
func (c *classifier) anthropic(leaves []leaf) error {
	role, ok := c.vals["role"]
	if !ok {
		return bodyErr(c.path+".role", "is missing or not a string")
	}
	o := roleOrigin(role)
	if o == OriginToolResult || o == OriginSystem {
		o = OriginUnknown // Anthropic turns are user or assistant
	}
	for _, l := range leaves {
		if l.path == "content" {
			if err := c.add(l, o, "", false); err != nil {
				return err
			}
			continue
		}
		pp, key, ok := part(l.path, "content")
		if !ok {
			continue
		}
		var err error
		switch c.vals[pp+".type"] {
		case "text":
			if key == "text" {
				err = c.add(l, o, "", false)
			}
		case "image":
			if altKey(key) {
				err = c.add(l, OriginImageText, "", false)
			}
		case "tool_use", "server_tool_use":
			if strings.HasPrefix(key, "input") {
				err = c.add(l, OriginAssistant, "", false)
			}
		case "thinking":
			if key == "thinking" {
				err = c.add(l, OriginAssistant, "", true)
			}
		case "redacted_thinking":
		case "tool_result":
			err = c.toolResult(l, pp, key)
		case "document", "search_result":
			if c.blockText(pp, key) {
				err = c.add(l, max(o, OriginUser), "", false)
			}
		default:
			if !opaqueKey(key) {
				err = c.add(l, OriginUnknown, "", false)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// toolResult classifies a string inside an Anthropic tool_result block:
// its content string, or the text of its text, document and search result
// blocks.
func (c *classifier) toolResult(l leaf, pp, key string) error {
	callID := c.vals[pp+".tool_use_id"]
	if key == "content" {
		return c.add(l, OriginToolResult, callID, false)
	}
	inner, ikey, ok := part(key, "content")
	if !ok {
		return nil
	}
	switch c.vals[pp+"."+inner+".type"] {
	case "image":
		if altKey(ikey) {
			return c.add(l, OriginImageText, callID, false)
		}
		return nil
	}
	if c.blockText(pp+"."+inner, ikey) || !opaqueKey(ikey) {
		return c.add(l, OriginToolResult, callID, false)
	}
	return nil
}

// blockText reports the text-bearing fields of Anthropic text, document
// and search result blocks.
func (c *classifier) blockText(pp, key string) bool {
	switch {
	case key == "text", key == "title", key == "context", strings.HasSuffix(key, ".text"):
		return true
	case key == "source.data":
		return c.vals[pp+".source.type"] == "text"
	}
	return false
}
