package dev.originproxy.core.origin;

/** The services an SRS origin announces in its heartbeat, one endpoint list each. */
public enum OriginProtocol {
    /** RTMP ingest/playback ({@code rtmp[]}). */
    RTMP,
    /** HTTP-FLV/HLS delivery ({@code http[]}). */
    HTTP,
    /** The HTTP API that answers WHIP/WHEP and the SRS JSON API ({@code api[]}). */
    API,
    /** SRT over UDP ({@code srt[]}). */
    SRT,
    /** WebRTC media, UDP or TCP ({@code rtc[]}). */
    RTC
}
