using System.Net.WebSockets;
using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>Something the connection's writer sends: one text frame, or the close handshake.</summary>
internal abstract record OutboundFrame;

/// <summary>A delivery waiting to be written, counted against the connection's <c>maxQueuedBytes</c>.</summary>
internal interface IQueuedFrame
{
    long Bytes { get; }
}

/// <summary>One event; with <see cref="AutoAck"/> it is acked once written.</summary>
internal sealed record DeliveryFrame(EventDelivery Delivery, bool AutoAck) : OutboundFrame, IQueuedFrame
{
    public long Bytes { get; init; }
}

/// <summary>A batch, acked as one by its id; with <see cref="AutoAck"/> it is acked once written.</summary>
internal sealed record BatchFrame(EventDeliveryBatch Batch, bool AutoAck) : OutboundFrame, IQueuedFrame
{
    public long Bytes { get; init; }
}

/// <summary>A best-effort change notification; counted against the connection's change-event bound.</summary>
internal sealed record ChangeFrame(ChangeEvent Change) : OutboundFrame;

/// <summary>Ends the connection: the writer sends anything it carries, then the close frame, and stops.</summary>
internal abstract record ClosingFrame(WebSocketCloseStatus Status, string Reason) : OutboundFrame;

/// <summary><c>protocol_error</c>, then close.</summary>
internal sealed record ErrorFrame(string Error, WebSocketCloseStatus Status) : ClosingFrame(Status, "protocol error");

/// <summary>A plain close, e.g. when the server shuts down.</summary>
internal sealed record CloseFrame(WebSocketCloseStatus Status, string Reason) : ClosingFrame(Status, Reason);

/// <summary>The JSON of server-to-client frames (docs/protocol.md, WebSocket section).</summary>
internal static class FrameJson
{
    public static void Write(Utf8JsonWriter writer, OutboundFrame frame)
    {
        switch (frame)
        {
            case DeliveryFrame d:
                // The event's fields plus "subscription", as every transport delivers it.
                JsonSerializer.Serialize(writer, d.Delivery, ActorDispatchJson.Options);
                break;
            case BatchFrame b:
                writer.WriteStartObject();
                writer.WriteString("type", "event_batch");
                writer.WriteString("id", b.Batch.Id);
                writer.WritePropertyName("subscription");
                JsonSerializer.Serialize(writer, b.Batch.Subscription, ActorDispatchJson.Options);
                writer.WriteStartArray("events");
                foreach (var delivery in b.Batch.Events) JsonSerializer.Serialize(writer, delivery, ActorDispatchJson.Options);
                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
            case ChangeFrame c:
                writer.WriteStartObject();
                writer.WriteString("type", "change_notification");
                writer.WritePropertyName("change");
                JsonSerializer.Serialize(writer, c.Change, ActorDispatchJson.Options);
                writer.WriteEndObject();
                break;
            case ErrorFrame e:
                writer.WriteStartObject();
                writer.WriteString("type", "protocol_error");
                writer.WriteString("error", e.Error);
                writer.WriteEndObject();
                break;
            default:
                throw new ArgumentException($"{frame.GetType().Name} has no JSON form", nameof(frame));
        }
    }
}
