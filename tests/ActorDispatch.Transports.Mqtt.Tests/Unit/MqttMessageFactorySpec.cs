using System.Text;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Mqtt.Options;
using ActorDispatch.Transports.Mqtt.Publishing;
using MQTTnet;
using MQTTnet.Protocol;

namespace ActorDispatch.Transports.Mqtt.Tests.Unit;

public sealed class MqttMessageFactorySpec
{
    private static readonly MqttOptions Defaults = new(TopicTemplate.Parse(TopicTemplate.Default), MqttQualityOfServiceLevel.AtLeastOnce, false, true);

    private static EventDelivery Delivery(string? traceState = null, JsonElement? data = null) => new(new Event
    {
        Id = Guid.NewGuid(),
        Sequence = 4,
        Namespace = "ns1",
        Type = "order_created",
        Topic = "orders",
        Created = DateTimeOffset.UnixEpoch,
        Data = data,
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        TraceState = traceState,
    }, new SubscriptionRef { Id = Guid.NewGuid(), Namespace = "ns1", Name = "s" });

    private static string Property(MQTTnet.MqttApplicationMessage message, string name) =>
        Encoding.UTF8.GetString(message.UserProperties.Single(p => p.Name == name).ValueBuffer.Span);

    [Fact]
    public void Carries_the_data_as_json_with_id_type_and_traceparent()
    {
        var delivery = Delivery(data: JsonSerializer.SerializeToElement(new { n = 1 }));
        var message = MqttMessageFactory.Create(Defaults with { Qos = MqttQualityOfServiceLevel.ExactlyOnce, Retain = true }, delivery);
        Assert.Equal("actordispatch/ns1/orders", message.Topic);
        Assert.Equal("""{"n":1}""", message.ConvertPayloadToString());
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal(MqttQualityOfServiceLevel.ExactlyOnce, message.QualityOfServiceLevel);
        Assert.True(message.Retain);
        Assert.Equal(delivery.Event.Id.ToString(), Property(message, "id"));
        Assert.Equal("order_created", Property(message, "type"));
        Assert.Equal(delivery.TraceParent, Property(message, "traceparent"));
        Assert.DoesNotContain(message.UserProperties, p => p.Name == "tracestate");
    }

    [Fact]
    public void Carries_tracestate_when_the_event_has_one() =>
        Assert.Equal("vendor=x", Property(MqttMessageFactory.Create(Defaults, Delivery(traceState: "vendor=x")), "tracestate"));

    [Fact]
    public void Without_withData_the_payload_is_the_delivery_json_as_webhooks_send_it()
    {
        var delivery = Delivery(data: JsonSerializer.SerializeToElement(new { n = 1 }));
        var payload = MqttMessageFactory.Payload(Defaults with { WithData = false }, delivery);
        Assert.Equal(JsonSerializer.Serialize(delivery, ActorDispatchJson.Options), Encoding.UTF8.GetString(payload));
    }

    [Fact]
    public void An_event_without_data_sends_json_null_never_an_empty_payload_which_would_clear_a_retained_message() =>
        Assert.Equal("null", Encoding.UTF8.GetString(MqttMessageFactory.Payload(Defaults, Delivery())));
}
