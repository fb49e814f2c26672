using System.Collections.Immutable;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Mqtt.Options;
using MQTTnet.Protocol;

namespace ActorDispatch.Transports.Mqtt.Tests.Unit;

public sealed class MqttOptionsParserSpec
{
    private static SubscriptionOptions Options(string json, bool? withData = null) => new()
    {
        WithData = withData,
        Transport = JsonDocument.Parse(json).RootElement.EnumerateObject().ToImmutableSortedDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal),
    };

    private static string Refusal(string json) => Assert.Throws<ActorDispatchException>(() => MqttOptionsParser.Parse(Options(json))).Message;

    [Fact]
    public void Defaults_are_the_namespace_and_topic_template_qos_1_no_retain_and_data()
    {
        var options = MqttOptionsParser.Parse(Options("{}"));
        Assert.Equal("actordispatch/{namespace}/{topic}", options.Topic.Text);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, options.Qos);
        Assert.False(options.Retain);
        Assert.True(options.WithData);
    }

    [Theory]
    [InlineData(0, MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(1, MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(2, MqttQualityOfServiceLevel.ExactlyOnce)]
    public void Qos_is_0_1_or_2(int qos, MqttQualityOfServiceLevel expected) =>
        Assert.Equal(expected, MqttOptionsParser.Parse(Options($$"""{"qos": {{qos}}}""")).Qos);

    [Theory]
    [InlineData("""{"qos": 3}""", "options.qos")]
    [InlineData("""{"qos": "1"}""", "options.qos")]
    [InlineData("""{"retain": "yes"}""", "options.retain")]
    [InlineData("""{"topic": 5}""", "options.topic")]
    [InlineData("""{"url": "http://x"}""", "options.url")]
    [InlineData("""{"topic": ""}""", "options.topic")]
    [InlineData("""{"topic": "a/+/b"}""", "options.topic")]
    [InlineData("""{"topic": "a/#"}""", "options.topic")]
    [InlineData("""{"topic": "$SYS/x"}""", "options.topic")]
    [InlineData("""{"topic": "a/{tag}"}""", "options.topic")]
    [InlineData("""{"topic": "a/{topic"}""", "options.topic")]
    [InlineData("""{"topic": "a/topic}"}""", "options.topic")]
    public void Refuses_what_cannot_work_naming_the_option(string json, string option)
    {
        var message = Refusal(json);
        Assert.Contains($"'{option}'", message);
        Assert.StartsWith("AD10103", message);
    }

    [Fact]
    public void WithData_false_is_kept() => Assert.False(MqttOptionsParser.Parse(Options("{}", withData: false)).WithData);

    [Fact]
    public void The_transport_defaults_withData_to_true_and_keeps_an_explicit_value()
    {
        var transport = new MqttTransport();
        Assert.True(transport.ValidateOptions(Options("{}")).WithData);
        Assert.False(transport.ValidateOptions(Options("{}", withData: false)).WithData);
    }

    [Fact]
    public async Task Without_a_broker_the_transport_starts_and_refuses_subscriptions_saying_what_to_set()
    {
        var transport = new MqttTransport();
        await transport.InitAsync(MqttSettings.DefaultConfig("mqtt"), null!);
        var error = Assert.Throws<ActorDispatchException>(() => transport.ValidateOptions(Options("{}")));
        Assert.Contains("ActorDispatch:Transports:Mqtt:Server", error.Message);
        await transport.DisposeAsync();
    }

    [Fact]
    public void The_schema_lists_exactly_the_options_the_parser_knows()
    {
        using var schema = new MqttTransport().GetOptionsSchema();
        var properties = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order();
        Assert.Equal(["qos", "retain", "topic"], properties);
        Assert.False(schema.RootElement.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal([0, 1, 2], schema.RootElement.GetProperty("properties").GetProperty("qos").GetProperty("enum").EnumerateArray().Select(e => e.GetInt32()));
    }
}
