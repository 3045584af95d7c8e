"""The address a request comes from, as the sign-in lockout and the rate limits count it.

Behind a proxy every request arrives from the proxy's own address, so counting by it would lock
one officer's mistakes onto everyone. When CLIENT_ADDRESS_HEADER names the header the proxy
writes (X-Forwarded-For), the address is the last one in it: the one the proxy itself added. The
ones before it are whatever the client sent, and anyone can send anything. Set it only when every
request comes through that proxy; without it, the connection's own address counts.
"""

from django.conf import settings


def client_address(request):
    header = settings.CLIENT_ADDRESS_HEADER
    if header:
        meta_name = "HTTP_" + header.upper().replace("-", "_")
        added_last = request.META.get(meta_name, "").split(",")[-1].strip()
        if added_last:
            return added_last
    return request.META.get("REMOTE_ADDR", "")
