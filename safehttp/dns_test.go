package safehttp

import (
	"encoding/binary"
	"io"
	"net"
	"net/netip"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsAnswer is one end of a pipe on which a fake DNS server answers every
// A question with addr (and every other question with nothing), speaking
// DNS over TCP framing since the pipe is not a packet connection.
func dnsAnswer(addr string) net.Conn {
	client, server := net.Pipe()
	ip := netip.MustParseAddr(addr)
	go func() {
		defer server.Close()
		for {
			var n uint16
			if err := binary.Read(server, binary.BigEndian, &n); err != nil {
				return
			}
			buf := make([]byte, n)
			if _, err := io.ReadFull(server, buf); err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf)
			if err != nil {
				return
			}
			q, err := p.Question()
			if err != nil {
				return
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			b.EnableCompression()
			b.StartQuestions()
			b.Question(q)
			b.StartAnswers()
			if q.Type == dnsmessage.TypeA && ip.Is4() {
				b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}, dnsmessage.AResource{A: ip.As4()})
			}
			msg, err := b.Finish()
			if err != nil {
				return
			}
			out := make([]byte, 2+len(msg))
			binary.BigEndian.PutUint16(out, uint16(len(msg)))
			copy(out[2:], msg)
			if _, err := server.Write(out); err != nil {
				return
			}
		}
	}()
	return client
}
