package dev.originproxy.core;

/** Which way media flows for a session, seen from the origin. */
public enum Direction {
    /** The client sends media to the origin (WHIP, SRT {@code m=publish}). */
    PUBLISH,
    /** The client receives media from the origin (WHEP, SRT {@code m=request}). */
    PLAY
}
