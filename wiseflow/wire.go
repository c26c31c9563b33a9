package wiseflow

import "encoding/json"

// The newer endpoints send enumerations by name; these models are written that way too, so
// that what wiseflowtest serves (and a host stores) has the form the service sends.

// MarshalJSON writes the enumerations by name, as /flows/search does.
func (f FlowSummary) MarshalJSON() ([]byte, error) {
	type plain FlowSummary
	return json.Marshal(struct {
		plain
		Type    string `json:"type,omitempty"`
		State   string `json:"state,omitempty"`
		Variant string `json:"variant,omitempty"`
		Purpose string `json:"purpose,omitempty"`
	}{plain(f), f.Type.Name(), f.State.Name(), f.Variant.Name(), f.Purpose.Name()})
}

// MarshalJSON writes the state by name, as /sources/search does.
func (f SourceFlow) MarshalJSON() ([]byte, error) {
	type plain SourceFlow
	return json.Marshal(struct {
		plain
		State string `json:"state,omitempty"`
	}{plain(f), f.State.Name()})
}

// MarshalJSON writes the examination type and purpose by name, as /flows/{id}/metadata does.
func (m FlowMetadata) MarshalJSON() ([]byte, error) {
	type plain FlowMetadata
	return json.Marshal(struct {
		plain
		ExaminationType string `json:"examinationType,omitempty"`
		Purpose         string `json:"purpose,omitempty"`
	}{plain(m), m.ExaminationType.Name(), m.Purpose.Name()})
}
