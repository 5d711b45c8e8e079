package wandb

// RawJSON is a value that Log writes into value_json verbatim, without the
// validity check json.RawMessage values get. The caller guarantees it is
// valid JSON: W&B's sync stops at a value it cannot parse. It is meant for
// JSON the program has just encoded itself, such as a trace.
type RawJSON []byte

// MarshalJSON makes RawJSON usable inside other values, like
// json.RawMessage.
func (m RawJSON) MarshalJSON() ([]byte, error) {
	if len(m) == 0 {
		return []byte("null"), nil
	}
	return m, nil
}
