package fakeweave

import (
	"encoding/binary"
	"errors"
)

// spanIDs walks an ExportTraceServiceRequest to its spans' span_id
// fields (resource_spans=1 > scope_spans=2 > spans=2 > span_id=2),
// checking the wire format on the way.
func spanIDs(b []byte) ([][]byte, error) {
	var ids [][]byte
	err := fields(b, func(f int, v []byte) error {
		if f != 1 {
			return nil
		}
		return fields(v, func(f int, v []byte) error {
			if f != 2 {
				return nil
			}
			return fields(v, func(f int, v []byte) error {
				if f != 2 {
					return nil
				}
				return fields(v, func(f int, v []byte) error {
					if f == 2 {
						ids = append(ids, v)
					}
					return nil
				})
			})
		})
	})
	return ids, err
}

// fields calls fn for each length-delimited field of message b, and
// skips the others.
func fields(b []byte, fn func(field int, v []byte) error) error {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad tag")
		}
		b = b[n:]
		switch tag & 7 {
		case 0:
			_, n = binary.Uvarint(b)
			if n <= 0 {
				return errors.New("bad varint")
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return errors.New("short fixed64")
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return errors.New("short fixed32")
			}
			b = b[4:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return errors.New("bad length")
			}
			if err := fn(int(tag>>3), b[n:n+int(l)]); err != nil {
				return err
			}
			b = b[n+int(l):]
		default:
			return errors.New("bad wire type")
		}
	}
	return nil
}
