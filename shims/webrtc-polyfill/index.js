// @roamhq/wrtc is CommonJS; re-export the constructors simple-peer needs as ESM.
import wrtc from '@roamhq/wrtc'

export const RTCPeerConnection = wrtc.RTCPeerConnection
export const RTCSessionDescription = wrtc.RTCSessionDescription
export const RTCIceCandidate = wrtc.RTCIceCandidate
export const RTCDataChannel = wrtc.RTCDataChannel
export const MediaStream = wrtc.MediaStream
export default wrtc
