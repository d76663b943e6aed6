package profile

import (
	"reflect"
	"testing"
)

// TestClone checks that Clone copies every pointer field's target, so that
// a store may hand out a clone while it changes the original: a pointer
// field added to Profile without Clone knowing fails here.
func TestClone(t *testing.T) {
	ext, hour, gender, minute, lon := "ext", 7, "male", 30, 127.0
	p := &Profile{ID: "prf_x", Name: "Ada", ExternalID: &ext, BirthHour: &hour, Gender: &gender, BirthMinute: &minute, BirthLongitude: &lon}
	c := p.Clone()
	if !reflect.DeepEqual(c, p) {
		t.Fatalf("clone %+v differs from %+v", c, p)
	}
	v, cv := reflect.ValueOf(p).Elem(), reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Type.Kind() != reflect.Pointer {
			continue
		}
		if v.Field(i).IsNil() {
			t.Errorf("%s: set it in this test", f.Name)
			continue
		}
		if v.Field(i).Pointer() == cv.Field(i).Pointer() {
			t.Errorf("%s: the clone shares the original's target", f.Name)
		}
	}
	if (&Profile{}).Clone().BirthHour != nil {
		t.Error("a nil pointer field is not nil in the clone")
	}
}
