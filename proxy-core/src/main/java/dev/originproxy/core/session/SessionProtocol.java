package dev.originproxy.core.session;

/** The protocol a session's media travels over. */
public enum SessionProtocol {
    /** WebRTC (WHIP/WHEP or the SRS JSON API) over the WebRTC router. */
    WEBRTC,
    /** SRT over the SRT router. */
    SRT,
    /** RTMP (publish or play) over the RTMP router. */
    RTMP,
    /** An HTTP-FLV viewer (a {@code .flv} stream through the HTTP front). */
    HTTP_FLV,
    /** An HTTP-TS viewer (a {@code .ts} stream through the HTTP front). */
    HTTP_TS,
    /** An HLS viewer (playlists and segments through the HTTP front, one per HLS session id). */
    HLS
}
