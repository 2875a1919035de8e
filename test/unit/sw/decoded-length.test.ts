// Which origin answers keep the Blob fast path: their decoded length must be
// known before reading, including behind a compressing CDN.
import { describe, it, expect } from 'vitest'
import { decodedLength } from '../../../sw/sources/decoded-length.js'

const res = (status: number, headers: Record<string, string>): Response => new Response(status === 204 ? null : 'x', { status, headers })

describe('decodedLength', () => {
  it('plain answers: their Content-Length', () => {
    expect(decodedLength(res(200, { 'Content-Length': '1234' }), 1234, false)).toBe(1234)
    expect(decodedLength(res(200, { 'Content-Encoding': 'identity', 'Content-Length': '77' }), 77, false)).toBe(77)
  })
  it('a whole compressed 200 decodes to the asset size, whatever its encoded length', () => {
    expect(decodedLength(res(200, { 'Content-Encoding': 'gzip', 'Content-Length': '310' }), 90_000, false)).toBe(90_000)
    expect(decodedLength(res(200, { 'Content-Encoding': 'br' }), 5, false)).toBe(5)
  })
  it('a compressed partial or other status: unknown', () => {
    expect(decodedLength(res(206, { 'Content-Encoding': 'gzip', 'Content-Length': '10' }), 90_000, true)).toBeNaN()
    expect(decodedLength(res(200, { 'Content-Encoding': 'gzip' }), 90_000, true)).toBeNaN()
    expect(decodedLength(res(404, { 'Content-Encoding': 'gzip' }), 90_000, false)).toBeNaN()
  })
})
