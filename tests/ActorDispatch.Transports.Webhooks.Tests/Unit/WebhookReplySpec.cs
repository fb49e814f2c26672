using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Options;
using ActorDispatch.Transports.Webhooks.Sending;

namespace ActorDispatch.Transports.Webhooks.Tests.Unit;

public sealed class WebhookReplySpec
{
    private static readonly WebhooksSettings Settings = WebhooksSettings.From(WebhooksSettings.DefaultConfig("webhooks"));

    private static readonly Event Original = new()
    {
        Id = Guid.NewGuid(), Sequence = 3, Type = "order_created", Namespace = "default", Topic = "orders", Created = DateTimeOffset.UtcNow,
    };

    private static WebhookOptions Options(string extra = "") =>
        WebhookOptionsParser.Parse(WebhookOptionsParserSpec.Options($$"""{"url":"http://h/","reply":true{{extra}}}"""), Settings);

    private static WebhookResponse Response(string? contentType, string? body, int status = 200) =>
        new(status, [new("X-Reply", "yes")], contentType, body is null ? null : Encoding.UTF8.GetBytes(body), false, null);

    [Fact]
    public void Json_response_becomes_the_reply_body_as_json()
    {
        var tx = Guid.NewGuid();
        var reply = WebhookReply.Create(Options($$""","replytag":"answers","replytx":"{{tx}}" """), Original, Response("application/json; charset=utf-8", """{"ok":true}""", 201));

        Assert.Equal(WebhooksTransport.ReplyEventType, reply.Type);
        Assert.Equal("orders", reply.Topic);
        Assert.Equal("answers", reply.Tag);
        Assert.Equal(tx, reply.Tx);
        var data = reply.Data!.Value;
        Assert.Equal(201, data.GetProperty("status").GetInt32());
        Assert.Equal("yes", data.GetProperty("headers").GetProperty("X-Reply").GetString());
        Assert.True(data.GetProperty("body").GetProperty("ok").GetBoolean());
    }

    [Theory]
    [InlineData("text/plain", "hello")]
    [InlineData(null, "{\"looks\":\"like json\"}")]
    [InlineData("application/json", "not json after all")]
    public void Non_json_response_body_is_base64(string? contentType, string body)
    {
        var data = WebhookReply.Create(Options(), Original, Response(contentType, body)).Data!.Value;
        Assert.Equal(body, Encoding.UTF8.GetString(data.GetProperty("body").GetBytesFromBase64()));
    }

    [Fact]
    public void Json_option_parses_the_body_whatever_the_content_type()
    {
        var data = WebhookReply.Create(Options(""","json":true"""), Original, Response("text/plain", "[1,2]")).Data!.Value;
        Assert.Equal(JsonValueKind.Array, data.GetProperty("body").ValueKind);
    }

    [Fact]
    public void Empty_response_body_leaves_body_out()
    {
        var data = WebhookReply.Create(Options(), Original, Response("application/json", null, 204)).Data!.Value;
        Assert.False(data.TryGetProperty("body", out _));
        Assert.Equal(204, data.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("application/problem+json", true)]
    [InlineData("APPLICATION/JSON", true)]
    [InlineData("text/json-ish", false)]
    [InlineData("text/html", false)]
    public void Json_content_types_are_recognised(string contentType, bool json) =>
        Assert.Equal(json, WebhookReply.IsJsonContentType(contentType));

    [Fact]
    public void Only_correlated_reply_typed_events_are_replies()
    {
        Assert.False(WebhookReply.IsReply(Original));
        Assert.False(WebhookReply.IsReply(Original with { Type = WebhooksTransport.ReplyEventType }));
        Assert.True(WebhookReply.IsReply(Original with { Type = WebhooksTransport.ReplyEventType, Correlator = Guid.NewGuid() }));
    }
}
