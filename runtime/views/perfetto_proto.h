/* perfetto_proto.h — the numbers of Perfetto's trace format that the
 * Perfetto view writes. Internal.
 *
 * Field numbers and enum values as defined by Perfetto's own
 * perfetto_trace.proto (../shared/perfetto/ beside the repository; the
 * tests decode every trace with it). Grouped by message. */
#ifndef CT_PERFETTO_PROTO_H
#define CT_PERFETTO_PROTO_H

#define CT_PF_TRACE_PACKET 1u /* Trace.packet */
/* TracePacket */
#define CT_PF_PKT_CLOCK_SNAPSHOT 6u
#define CT_PF_PKT_TIMESTAMP 8u
#define CT_PF_PKT_SEQ_ID 10u /* trusted_packet_sequence_id */
#define CT_PF_PKT_TRACK_EVENT 11u
#define CT_PF_PKT_INTERNED_DATA 12u
#define CT_PF_PKT_SEQ_FLAGS 13u
#define CT_PF_PKT_CLOCK_ID 58u /* timestamp_clock_id */
#define CT_PF_PKT_DEFAULTS 59u /* trace_packet_defaults */
#define CT_PF_PKT_TRACK_DESCRIPTOR 60u
#define CT_PF_SEQ_INCREMENTAL_STATE_CLEARED 1u
/* TracePacketDefaults, TrackEventDefaults */
#define CT_PF_DEF_CLOCK_ID 58u
#define CT_PF_DEF_TRACK_EVENT 11u
#define CT_PF_TED_TRACK_UUID 11u
/* ClockSnapshot, ClockSnapshot.Clock, BuiltinClock */
#define CT_PF_CS_CLOCKS 1u
#define CT_PF_CS_PRIMARY_CLOCK 2u
#define CT_PF_CLK_ID 1u
#define CT_PF_CLK_TIMESTAMP 2u
#define CT_PF_CLK_INCREMENTAL 3u
#define CT_PF_CLOCK_MONOTONIC 3u
#define CT_PF_CLOCK_BOOTTIME 6u
#define CT_PF_CLOCK_SEQ_INCREMENTAL 64u /* the first sequence-scoped clock id */
/* TrackDescriptor, ProcessDescriptor, ThreadDescriptor */
#define CT_PF_TD_UUID 1u
#define CT_PF_TD_PROCESS 3u
#define CT_PF_TD_PARENT_UUID 5u
#define CT_PF_TD_THREAD 4u
#define CT_PF_PD_PID 1u
#define CT_PF_PD_CMDLINE 2u
#define CT_PF_PD_NAME 6u
#define CT_PF_THD_PID 1u
#define CT_PF_THD_TID 2u
#define CT_PF_THD_NAME 5u
/* TrackEvent and its Type */
#define CT_PF_TE_DEBUG_ANNOTATIONS 4u
#define CT_PF_TE_TYPE 9u
#define CT_PF_TE_NAME_IID 10u
#define CT_PF_TE_TRACK_UUID 11u
#define CT_PF_TE_NAME 23u
#define CT_PF_TE_SOURCE_LOCATION_IID 34u
#define CT_PF_TYPE_SLICE_BEGIN 1u
#define CT_PF_TYPE_SLICE_END 2u
#define CT_PF_TYPE_INSTANT 3u
/* InternedData, EventName, SourceLocation */
#define CT_PF_ID_EVENT_NAMES 2u
#define CT_PF_ID_SOURCE_LOCATIONS 4u
#define CT_PF_EN_IID 1u
#define CT_PF_EN_NAME 2u
#define CT_PF_SL_IID 1u
#define CT_PF_SL_FILE 2u
#define CT_PF_SL_FUNCTION 3u
#define CT_PF_SL_LINE 4u
/* DebugAnnotation */
#define CT_PF_DA_BOOL 2u
#define CT_PF_DA_UINT 3u
#define CT_PF_DA_INT 4u
#define CT_PF_DA_STRING 6u
#define CT_PF_DA_POINTER 7u
#define CT_PF_DA_NAME 10u
#define CT_PF_DA_ARRAY 12u

#endif
