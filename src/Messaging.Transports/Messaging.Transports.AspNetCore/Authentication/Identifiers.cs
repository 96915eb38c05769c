using System.Buffers;
using System.Security.Claims;

namespace Messaging.Transports.AspNetCore;

/// <summary>Who the caller is, and which client-supplied identifiers are acceptable.</summary>
internal static class Identifiers
{
    public const int MaxLength = 64;

    public const string DefaultDeviceId = "default";

    private static readonly SearchValues<char> DeviceIdChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:");

    /// <summary>The authenticated user id: the configured claim, else the identity's name; <see langword="null"/> when neither.</summary>
    public static string? UserIdOf(ClaimsPrincipal principal, string claimType)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var id = principal.FindFirst(claimType)?.Value;
        if (string.IsNullOrEmpty(id))
        {
            id = principal.Identity.Name;
        }

        return string.IsNullOrEmpty(id) ? null : id;
    }

    /// <summary>1 to 64 characters of letters, digits and <c>- _ . :</c>, never an id the engine reserves (<see cref="ReservedDeviceIds"/>).</summary>
    public static bool IsValidDeviceId(ReadOnlySpan<char> value) =>
        value.Length is > 0 and <= MaxLength && !value.ContainsAnyExcept(DeviceIdChars) && !ReservedDeviceIds.IsReserved(value);
}
