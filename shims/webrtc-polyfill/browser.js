// In a browser the platform's own WebRTC is used.
export const RTCPeerConnection = globalThis.RTCPeerConnection
export const RTCSessionDescription = globalThis.RTCSessionDescription
export const RTCIceCandidate = globalThis.RTCIceCandidate
export const RTCDataChannel = globalThis.RTCDataChannel
export const MediaStream = globalThis.MediaStream
export default { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, RTCDataChannel, MediaStream }
