using System.Text;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Amqp.Options;
using ActorDispatch.Transports.Amqp.Publishing;
using RabbitMQ.Client;

namespace ActorDispatch.Transports.Amqp.Tests.Unit;

public sealed class AmqpMessageSpec
{
    private static readonly Guid Correlator = Guid.NewGuid();

    private static EventDelivery Delivery(JsonElement? data = null) => new(
        new Event
        {
            Id = Guid.NewGuid(), Sequence = 42, Type = "order_created", Namespace = "shop", Topic = "orders", Correlator = Correlator,
            Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), Data = data,
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", TraceState = "k=v",
        },
        new SubscriptionRef { Id = Guid.NewGuid(), Namespace = "shop", Name = "s" });

    private static string Header(BasicProperties p, string name) => Encoding.UTF8.GetString((byte[])p.Headers![name]!);

    [Fact]
    public void Properties_carry_the_event()
    {
        var delivery = Delivery(JsonSerializer.SerializeToElement(new { n = 1 }));
        var message = AmqpMessage.For(new AmqpOptions { Headers = [new("x-tenant", "a")] }, delivery);
        var p = message.Properties;
        Assert.Equal(delivery.Event.Id.ToString(), p.MessageId);
        Assert.Equal("order_created", p.Type);
        Assert.Equal(Correlator.ToString(), p.CorrelationId);
        Assert.Equal(1_700_000_000, p.Timestamp.UnixTime);
        Assert.Equal(DeliveryModes.Persistent, p.DeliveryMode);
        Assert.Equal("application/json", p.ContentType);
        Assert.Equal(delivery.TraceParent, Header(p, "traceparent"));
        Assert.Equal("k=v", Header(p, "tracestate"));
        Assert.Equal("a", Header(p, "x-tenant"));
        Assert.Equal(42L, p.Headers![MessageHeaders.Sequence]);
        Assert.Equal("shop", Header(p, MessageHeaders.Namespace));
        Assert.Equal("orders", message.RoutingKey);
        Assert.True(message.Mandatory);
    }

    [Fact]
    public void With_data_the_body_is_the_payload_without_it_the_delivery_json()
    {
        var data = JsonSerializer.SerializeToElement(new { n = 7 });
        Assert.Equal("""{"n":7}""", Encoding.UTF8.GetString(AmqpMessage.For(new AmqpOptions(), Delivery(data)).Body.Span));
        var delivery = Delivery();
        var envelope = JsonDocument.Parse(AmqpMessage.For(new AmqpOptions { WithData = false }, delivery).Body).RootElement;
        Assert.Equal(delivery.Event.Id, envelope.GetProperty("id").GetGuid());
        Assert.Equal(42, envelope.GetProperty("sequence").GetInt64());
        Assert.Equal("s", envelope.GetProperty("subscription").GetProperty("name").GetString());
    }

    [Fact]
    public void Not_persistent_is_delivery_mode_1_and_a_missing_correlator_is_no_property()
    {
        var delivery = Delivery() with { Event = Delivery().Event with { Correlator = null } };
        var p = AmqpMessage.For(new AmqpOptions { Persistent = false }, delivery).Properties;
        Assert.Equal(DeliveryModes.Transient, p.DeliveryMode);
        Assert.False(p.IsCorrelationIdPresent());
    }
}
