package view

import (
	"sync"
	"testing"
)

// TestSortOrdersOnFirstUse: the load sorts the calls by start time only;
// every other order is sorted when a page first asks for it, once however
// many pages ask at the same time, and is the column's stable order.
func TestSortOrdersOnFirstUse(t *testing.T) {
	s, err := Load(cachedFixture(t, fixture{n: 600, batch: 50, finish: true}))
	if err != nil {
		t.Fatal(err)
	}
	ix := s.idx
	for _, name := range sortKeys {
		if sorted := ix.perms[name].p != nil; sorted != (name == "time") {
			t.Errorf("after the load, %q sorted: %v", name, sorted)
		}
	}
	less := func(name string, a, b *entry) bool {
		str := func(t *strTable, x, y int32) bool { return t.names[x] < t.names[y] }
		switch name {
		case "time":
			return a.start < b.start
		case "step":
			return false // call order: the ties' order
		case "site":
			return str(&ix.sites, a.site, b.site)
		case "method":
			return str(&ix.methods, a.method, b.method)
		case "model":
			return str(&ix.models, a.model, b.model)
		case "status":
			return str(&ix.statuses, a.status, b.status)
		case "prompt":
			return a.prompt < b.prompt
		case "completion":
			return a.completion < b.completion
		case "total":
			return a.total < b.total
		case "latency":
			return a.latency < b.latency
		case "ttft":
			return a.ttft < b.ttft
		case "cost":
			return a.cost < b.cost
		}
		t.Fatalf("no comparison for %q", name)
		return false
	}
	for _, name := range sortKeys {
		pages := make([][]int32, 4)
		var wg sync.WaitGroup
		for g := range pages {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				_, pages[g], _ = ix.page(Filter{}, name, false, 0, len(ix.entries))
			}(g)
		}
		wg.Wait()
		p := pages[0]
		if len(p) != len(ix.entries) {
			t.Fatalf("%q: %d calls in the page, want %d", name, len(p), len(ix.entries))
		}
		for g := 1; g < len(pages); g++ {
			if !equalInt32(pages[g], p) {
				t.Fatalf("%q: pages asked for at once differ", name)
			}
		}
		for k := 1; k < len(p); k++ {
			a, b := &ix.entries[p[k-1]], &ix.entries[p[k]]
			if less(name, b, a) || (!less(name, a, b) && p[k-1] > p[k]) {
				t.Fatalf("%q: calls %d and %d out of order at %d", name, p[k-1], p[k], k)
			}
		}
	}
}
