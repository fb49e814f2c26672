using System.Collections.Immutable;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Amqp.Options;

namespace ActorDispatch.Transports.Amqp.Tests.Unit;

public sealed class AmqpOptionsParserSpec
{
    private static SubscriptionOptions Options(string json, bool? withData = null) => new()
    {
        WithData = withData,
        Transport = JsonDocument.Parse(json).RootElement.EnumerateObject()
            .ToImmutableSortedDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal),
    };

    private static void AssertRefused(string json, string option, string? why = null)
    {
        var ex = Assert.Throws<ActorDispatchException>(() => AmqpOptionsParser.Parse(Options(json)));
        Assert.StartsWith("AD10103:", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'options.{option}'", ex.Message, StringComparison.Ordinal);
        if (why is not null) Assert.Contains(why, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_the_default_exchange_topic_as_key_mandatory_persistent_and_data()
    {
        var o = AmqpOptionsParser.Parse(Options("{}"));
        Assert.Equal("", o.Exchange);
        Assert.Equal("{topic}", o.RoutingKey.Source);
        Assert.True(o.Mandatory);
        Assert.True(o.Persistent);
        Assert.Empty(o.Headers);
        Assert.True(o.WithData);
    }

    [Fact]
    public void Every_option_is_read()
    {
        var o = AmqpOptionsParser.Parse(Options("""
            {"exchange":"events","routingKey":"{namespace}.{type}","mandatory":false,"persistent":false,"headers":{"x-tenant":"a","b":"c"}}
            """, withData: false));
        Assert.Equal("events", o.Exchange);
        Assert.Equal("{namespace}.{type}", o.RoutingKey.Source);
        Assert.False(o.Mandatory);
        Assert.False(o.Persistent);
        Assert.Equal(["x-tenant=a", "b=c"], o.Headers.Select(h => $"{h.Key}={h.Value}"));
        Assert.False(o.WithData);
    }

    [Theory]
    [InlineData("""{"url":"http://x"}""", "url", "unknown option")]
    [InlineData("""{"exchange":3}""", "exchange", "must be a string")]
    [InlineData("""{"routingKey":"{topik}"}""", "routingKey", "unknown placeholder '{topik}'")]
    [InlineData("""{"routingKey":"a.{topic"}""", "routingKey", "unknown placeholder")]
    [InlineData("""{"routingKey":"a}"}""", "routingKey", "without its '{'")]
    [InlineData("""{"mandatory":"yes"}""", "mandatory", "true or false")]
    [InlineData("""{"persistent":1}""", "persistent", "true or false")]
    [InlineData("""{"headers":"x"}""", "headers", "object of strings")]
    [InlineData("""{"headers":{"n":1}}""", "headers.n", "must be a string")]
    [InlineData("""{"headers":{"traceparent":"x"}}""", "headers.traceparent", "set by the transport")]
    [InlineData("""{"headers":{"ActorDispatch-Sequence":"x"}}""", "headers.ActorDispatch-Sequence", "set by the transport")]
    public void Bad_options_are_refused_naming_the_option(string json, string option, string why) => AssertRefused(json, option, why);

    [Fact]
    public void A_routing_key_or_exchange_over_255_bytes_is_refused()
    {
        AssertRefused($$"""{"routingKey":"{{new string('k', 256)}}"}""", "routingKey", "255 bytes");
        AssertRefused($$"""{"exchange":"{{new string('é', 128)}}"}""", "exchange", "255 bytes");
    }

    [Fact]
    public void Schema_lists_every_option_and_refuses_others()
    {
        using var schema = new AmqpTransport().GetOptionsSchema();
        var root = schema.RootElement;
        Assert.False(root.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["exchange", "headers", "mandatory", "persistent", "routingKey"],
            root.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_defaults_with_data_to_true_and_keeps_an_explicit_false()
    {
        var transport = new AmqpTransport();
        Assert.True(transport.ValidateOptions(Options("{}")).WithData);
        Assert.False(transport.ValidateOptions(Options("{}", withData: false)).WithData);
    }
}
