using System.Security.Cryptography;
using System.Text;

namespace ActorDispatch.Transports.Webhooks.Tests.Support;

/// <summary>
/// A receiver's check of the Standard Webhooks scheme, written from the spec and independently of
/// the transport's signer: <c>webhook-signature</c> holds space-separated <c>v1,&lt;base64&gt;</c>
/// entries, one of which must equal HMAC-SHA256(key, "id.timestamp.body").
/// </summary>
public static class StandardWebhooksVerifier
{
    public static bool Verify(string secret, string id, string timestamp, string body, string signatureHeader)
    {
        var key = secret.StartsWith("whsec_", StringComparison.Ordinal)
            ? Convert.FromBase64String(secret["whsec_".Length..])
            : Encoding.UTF8.GetBytes(secret);
        using var hmac = new HMACSHA256(key);
        var expected = hmac.ComputeHash(Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        foreach (var entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(',', 2);
            if (parts.Length == 2 && parts[0] == "v1" && CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(parts[1]), expected))
                return true;
        }
        return false;
    }

    public static bool Verify(string secret, ReceivedRequest request) =>
        request.Header("webhook-id") is { } id && request.Header("webhook-timestamp") is { } ts && request.Header("webhook-signature") is { } sig &&
        Verify(secret, id, ts, request.Text, sig);
}
