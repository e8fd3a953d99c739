package pdq

import "encoding/binary"

// JPEGOrientation reads the EXIF orientation of a JPEG file: 1 to 8 as
// the TIFF tag 0x0112 defines them, or 1 (shown as stored) when the file
// has no EXIF segment, no orientation, or one that cannot be read. It reads
// only the segments before the image data and never panics on bad input.
func JPEGOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1 // not a marker where one must be: give up
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte before a marker
			i++
			continue
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			i += 2 // markers without a length
			continue
		case marker == 0xDA || marker == 0xD9:
			return 1 // image data or the end: no EXIF before it
		}
		length := int(binary.BigEndian.Uint16(b[i+2:]))
		if length < 2 || i+2+length > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+length]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o, ok := tiffOrientation(seg[6:]); ok {
				return o
			}
		}
		i += 2 + length
	}
	return 1
}

// tiffOrientation reads the orientation tag of a TIFF structure's first
// directory (IFD0), where EXIF puts it.
func tiffOrientation(t []byte) (int, bool) {
	if len(t) < 8 {
		return 0, false
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0, false
	}
	if order.Uint16(t[2:]) != 42 {
		return 0, false
	}
	off := uint64(order.Uint32(t[4:]))
	if off+2 > uint64(len(t)) {
		return 0, false
	}
	n := uint64(order.Uint16(t[off:]))
	entries := off + 2
	for k := range n {
		e := entries + 12*k
		if e+12 > uint64(len(t)) {
			return 0, false
		}
		tag := order.Uint16(t[e:])
		if tag != 0x0112 {
			continue
		}
		typ, count := order.Uint16(t[e+2:]), order.Uint32(t[e+4:])
		if typ != 3 || count < 1 { // SHORT
			return 0, false
		}
		o := int(order.Uint16(t[e+8:]))
		if o < 1 || o > 8 {
			return 0, false
		}
		return o, true
	}
	return 0, false
}
