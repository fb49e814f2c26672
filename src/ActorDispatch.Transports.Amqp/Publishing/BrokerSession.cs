using RabbitMQ.Client;

namespace ActorDispatch.Transports.Amqp.Publishing;

/// <summary>
/// One live connection to the broker, registered with the engine under its own id
/// (<c>amqp-1</c>, <c>amqp-2</c>, …): a reconnect is a new connection to the engine, so that a late
/// answer from a publish on the old one is ignored rather than taken for a redelivery's.
/// </summary>
internal sealed class BrokerSession(string id, IConnection connection)
{
    private volatile bool _closed;

    public string Id { get; } = id;

    public IConnection Connection { get; } = connection;

    /// <summary>True once the connection is lost or being closed; its deliveries are then left unanswered.</summary>
    public bool Closed => _closed || !Connection.IsOpen;

    public void MarkClosed() => _closed = true;
}
