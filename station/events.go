package station

import (
	"encoding/json"
	"sync"
)

// Message is one server-sent event: its name ("slot", "cycle") and JSON.
type Message struct {
	Event string
	Data  []byte
}

// subscriberBuffer is how far a listener may fall behind before it is
// dropped; a page that cannot keep up reconnects and reads /api/slots.
const subscriberBuffer = 256

// broker fans events out to listeners without ever blocking a worker.
type broker struct {
	mu     sync.Mutex
	subs   map[chan Message]struct{}
	closed bool
}

func newBroker() *broker { return &broker{subs: map[chan Message]struct{}{}} }

func (b *broker) subscribe() (<-chan Message, func()) {
	ch := make(chan Message, subscriberBuffer)
	b.mu.Lock()
	if b.closed {
		close(ch)
	} else {
		b.subs[ch] = struct{}{}
	}
	b.mu.Unlock()
	return ch, func() { b.drop(ch) }
}

func (b *broker) drop(ch chan Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[ch]; ok {
		delete(b.subs, ch)
		close(ch)
	}
}

// publish encodes v only when somebody listens.
func (b *broker) publish(event string, v any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.subs) == 0 {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		return
	}
	m := Message{Event: event, Data: data}
	for ch := range b.subs {
		select {
		case ch <- m:
		default:
			// Too slow: cut it off rather than stall a slot.
			delete(b.subs, ch)
			close(ch)
		}
	}
}

func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
}
