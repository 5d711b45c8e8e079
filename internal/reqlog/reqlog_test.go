package reqlog

import (
	"reflect"
	"testing"
)

func TestAddKeepsTheMostRecent(t *testing.T) {
	var log []int
	for i := 1; i <= 5; i++ {
		log = Add(log, i, 3)
	}
	if want := []int{3, 4, 5}; !reflect.DeepEqual(log, want) {
		t.Errorf("log %v, want %v", log, want)
	}
}
