using System.Net.WebSockets;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// A client broke the protocol: the server sends <c>protocol_error</c> with <see cref="Exception.Message"/>
/// and closes the connection with <see cref="CloseStatus"/>.
/// </summary>
internal sealed class ProtocolException(string message, WebSocketCloseStatus closeStatus = WebSocketCloseStatus.PolicyViolation)
    : Exception(message)
{
    public WebSocketCloseStatus CloseStatus { get; } = closeStatus;
}

/// <summary>
/// The transport's error codes (<c>AD103xx</c>), one per distinct problem, worded to name what is wrong.
/// Engine errors met while starting a subscription keep their own codes.
/// </summary>
internal static class ProtocolErrors
{
    public static ProtocolException InvalidJson(string problem) => new($"AD10300: invalid JSON: {problem}");

    public static ProtocolException UnknownType(string? type) =>
        new($"AD10301: unknown message type '{type}' (known: start, ack, nack)");

    public static ProtocolException InvalidField(string field, string problem) => new($"AD10302: invalid '{field}': {problem}");

    public static ProtocolException NamespaceNotAllowed(string ns, string allowed) =>
        new($"AD10314: these credentials may not use namespace '{ns}' (only {allowed})");

    public static ProtocolException UnknownSubscription(string ns, string name) =>
        new($"AD10303: no durable subscription '{name}' in namespace '{ns}'");

    public static ProtocolException WrongTransport(string name, string transport) =>
        new($"AD10304: subscription '{name}' uses transport '{transport}', not '{WebSocketsTransport.TransportName}'");

    public static ProtocolException NothingInFlight() =>
        new("AD10305: ack without 'id', but no delivery is in flight on this connection");

    public static ProtocolException NotStarted(SubscriptionRef named) =>
        new($"AD10306: ack names subscription {Describe(named)}, which is not started on this connection");

    public static ProtocolException AutoAckChanged(bool current) =>
        new($"AD10307: 'autoack' cannot change once a subscription is started on this connection (it is {(current ? "true" : "false")})");

    public static ProtocolException TooManyEphemeralSubscriptions(int max) =>
        new($"AD10312: a connection may start at most {max} ephemeral subscriptions (maxEphemeralSubscriptions)");

    public static ProtocolException ReadAheadTooLarge(int requested, int max) =>
        new($"AD10313: invalid 'readAhead': {requested} is more than the {max} a connection may ask for (maxReadAhead)");

    public static ProtocolException FrameTooLarge(int max) =>
        new($"AD10308: message larger than {max} bytes (maxFrameSize)", WebSocketCloseStatus.MessageTooBig);

    /// <summary>An engine refusal (invalid filter, option or regex) ends the connection like FireFly's start errors.</summary>
    public static ProtocolException From(ActorDispatchException error) => new(error.Message);

    // HTTP answers of the endpoint, before any upgrade.
    public const string TooManyConnections = "AD10309: the connection limit (maxConnections) is reached; try again later";
    public const string NotAWebSocketRequest = "AD10310: this endpoint only accepts WebSocket upgrade requests";
    public const string NotRunning = "AD10311: the websockets transport is not running (not started by the engine yet, or stopped)";

    private static string Describe(SubscriptionRef s) =>
        s.Id is { } id ? $"'{id}'" : s.Namespace is null ? $"'{s.Name}'" : $"'{s.Namespace}/{s.Name}'";
}
