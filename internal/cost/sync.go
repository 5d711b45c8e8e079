package cost

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/runtime/prices"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// SyncPricer prices, record by record as `sync` uploads them, the rows
// of a run that were logged without a cost: every row of a run logged
// before the runtime priced calls, and the rows the runtime could not
// price because the server reported no usage (priced from the estimated
// counts `sync` adds first). Rows it prices get cost/priced_at_sync (and
// cost/estimated when their counts are estimates); before the first of
// them it sends the cost/* metric definition and a config entry naming
// its table; and it brings the summary's totals up to date. A run whose
// rows all have their cost is uploaded as it was logged. One SyncPricer
// serves one run.
type SyncPricer struct {
	Table *prices.Table
	Now   func() time.Time // when it priced, for the config; time.Now when nil

	began     bool
	usd       float64 // the costs of the rows it priced
	in, out   float64
	perModel  map[string]float64
	priced    int64 // rows it priced
	unpriced  int64 // billed rows it could not price either
	modelKeys []string
}

// Edit is a online.SyncOptions.Edit: it prices history rows and updates
// summary records, and returns the records to send before a row.
func (p *SyncPricer) Edit(rec *wandbfile.Record) []*wandbfile.Record {
	switch {
	case rec.History != nil:
		return p.history(rec.History)
	case rec.Summary != nil:
		p.summary(rec.Summary)
	}
	return nil
}

func (p *SyncPricer) history(h *wandbfile.HistoryRecord) []*wandbfile.Record {
	if p.Table == nil {
		return nil
	}
	row := make(map[string]json.RawMessage, len(h.Items))
	for i := range h.Items {
		row[h.Items[i].FullKey()] = h.Items[i].ValueJSON
	}
	if _, has := row[prices.KeyUSD]; has {
		return nil
	}
	if _, has := row["trace"]; !has {
		return nil
	}
	c, err := calls.FromRow(row)
	if err != nil {
		return nil
	}
	r := Call(&c, p.Table)
	if r.Unpriced {
		p.unpriced++
	}
	if !r.Priced {
		return nil
	}
	total := r.Cost.Total()
	h.Items = append(h.Items,
		item(prices.KeyUSD, floatJSON(total)),
		item(prices.KeyInputUSD, floatJSON(r.Cost.Input)),
		item(prices.KeyOutputUSD, floatJSON(r.Cost.Output)),
		item(prices.KeyPricedAtSync, json.RawMessage("true")))
	if r.Estimated {
		h.Items = append(h.Items, item(prices.KeyEstimated, json.RawMessage("true")))
	}
	p.priced++
	p.usd += total
	p.in += r.Cost.Input
	p.out += r.Cost.Output
	model := c.Model
	if model == "" {
		model = "unknown"
	}
	if p.perModel == nil {
		p.perModel = map[string]float64{}
	}
	if _, seen := p.perModel[model]; !seen {
		p.modelKeys = append(p.modelKeys, model)
	}
	p.perModel[model] += total
	if p.began {
		return nil
	}
	p.began = true
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	desc := p.Table.Describe()
	desc["priced_at"] = now().UTC().Format(time.RFC3339)
	cfg, _ := json.Marshal(desc)
	return []*wandbfile.Record{
		{Metric: &wandbfile.MetricRecord{GlobName: prices.Glob, StepMetric: "_timestamp",
			Options: wandbfile.MetricOptions{StepSync: true, Defined: true}}},
		{Config: &wandbfile.ConfigRecord{Update: []wandbfile.Item{item(prices.ConfigKeyAtSync, cfg)}}},
	}
}

// summary brings a summary record's totals up to date with the rows
// priced so far: the runtime's totals (when it priced the run) plus what
// sync priced, with the calls sync priced no longer counted unpriced.
func (p *SyncPricer) summary(s *wandbfile.SummaryRecord) {
	if !p.began {
		return
	}
	at := map[string]int{}
	for i := range s.Update {
		at[s.Update[i].FullKey()] = i
	}
	base := func(k string) float64 {
		if i, ok := at[k]; ok {
			f, _ := strconv.ParseFloat(string(s.Update[i].ValueJSON), 64)
			return f
		}
		return 0
	}
	set := func(k string, v json.RawMessage) {
		if i, ok := at[k]; ok {
			s.Update[i].ValueJSON = v
			return
		}
		at[k] = len(s.Update)
		s.Update = append(s.Update, item(k, v))
	}
	unpriced := p.unpriced
	if _, logged := at[prices.KeyUnpriced]; logged {
		// The runtime priced this run and counted the rows sync priced
		// (their usage was missing) as unpriced.
		unpriced = int64(base(prices.KeyUnpriced)) - p.priced
		if unpriced < 0 {
			unpriced = 0
		}
	}
	for _, k := range []struct {
		key string
		add float64
	}{{"usd", p.usd}, {"input_usd", p.in}, {"output_usd", p.out}} {
		key := prices.SummaryPrefix + k.key
		set(key, floatJSON(base(key)+k.add))
	}
	for _, m := range p.modelKeys {
		key := prices.SummaryPrefix + m + "/usd"
		set(key, floatJSON(base(key)+p.perModel[m]))
	}
	set(prices.KeyUnpriced, json.RawMessage(strconv.FormatInt(unpriced, 10)))
}

func item(k string, v json.RawMessage) wandbfile.Item { return wandbfile.Item{Key: k, ValueJSON: v} }

func floatJSON(f float64) json.RawMessage {
	b, _ := json.Marshal(f)
	return b
}
