package calls

import "encoding/json"

// UsageMissing tells whether the server did not report the call's usage
// (a stream from a server that ignores stream_options.include_usage): the
// runtime then logs usage_missing on the row and on the span, and no
// usage/* token keys. Such a call's counts are zero until estimated
// (package tokens).
func (c *Call) UsageMissing() bool {
	return isTrue(c.Row["usage_missing"]) || isTrue(c.Attributes["usage_missing"])
}

func isTrue(raw json.RawMessage) bool {
	var b bool
	return json.Unmarshal(raw, &b) == nil && b
}
