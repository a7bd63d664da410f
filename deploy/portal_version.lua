-- The portal's data version as Redis holds it, read by nginx on each request (--versioned-by-redis,
-- see deploy/nginx_conf.py): nginx keys its cache by it, so a stored page is sent without asking
-- an app server, and a publish, which raises the version, makes the next request a new key.
--
-- The rules are the app's own (portal/freshness.py): Redis vouches for the version only when
-- "portal:data_version" is there and "portal:data_version:pending" is not (a publish announces its
-- version in pending before its commit and settles after). Otherwise - pending, missing, Redis
-- unreachable or answering oddly - this request is not keyed: nginx neither uses nor fills its
-- cache and the app answers (it reads the database). After a failure a worker leaves Redis alone
-- for RETRY_AFTER_S (an outage costs no timeout per request).
--
-- A Redis restarted from a snapshot may hold an older version than the database: the key also
-- carries Redis's run_id (read once per new connection), so nothing stored before the restart is
-- found again; what is stored after it was rendered after it (the app distrusts a restarted Redis
-- until it has read the database and settled, which raises the version to the truth).
--
-- Redis's protocol is spoken directly over a cosocket (Debian packages no lua-resty-redis): one
-- MGET per request on a kept-alive connection.

local M = {}

local VERSION_KEY = "portal:data_version"
local PENDING_KEY = "portal:data_version:pending"
local RETRY_AFTER_S = 1.0
local CHINA_OFFSET_S = 8 * 3600 -- today() in portal/proposals/rules.py: the date in China

local function command(...)
    local parts = { ... }
    local out = { "*" .. #parts .. "\r\n" }
    for _, part in ipairs(parts) do
        out[#out + 1] = "$" .. #part .. "\r\n" .. part .. "\r\n"
    end
    return table.concat(out)
end

local MGET = command("MGET", VERSION_KEY, PENDING_KEY)
local INFO = command("INFO", "server")

local host, port, timeout_ms, pool, select_db
local run_id -- this worker's current Redis (its connections all go to one server)
local retry_at = 0
local warned_at = 0

-- Called from init_by_lua_block with the rendered settings.
function M.configure(options)
    host = options.host
    port = options.port
    timeout_ms = options.timeout_ms or 100
    local db = options.db or 0
    pool = string.format("portal-redis:%s:%d:%d", host, port, db)
    select_db = db ~= 0 and command("SELECT", tostring(db)) or nil
end

-- One bulk string: true, value (nil when the key is missing), or nil, error.
local function bulk(sock)
    local header, err = sock:receive()
    if not header then
        return nil, err
    end
    if header == "$-1" then
        return true, nil
    end
    local size = tonumber(string.match(header, "^%$(%d+)$"))
    if not size then
        return nil, "unexpected answer: " .. string.sub(header, 1, 80)
    end
    local value
    value, err = sock:receive(size + 2)
    if not value then
        return nil, err
    end
    return true, string.sub(value, 1, size)
end

local function set_up(sock)
    if select_db then
        local _, err = sock:send(select_db)
        if err then
            return nil, err
        end
        local line
        line, err = sock:receive()
        if line ~= "+OK" then
            return nil, err or ("SELECT refused: " .. string.sub(line, 1, 80))
        end
    end
    local _, err = sock:send(INFO)
    if err then
        return nil, err
    end
    local ok, info = bulk(sock)
    if not ok then
        return nil, info
    end
    local id = info and string.match(info, "run_id:(%x+)")
    if not id then
        return nil, "no run_id in INFO server"
    end
    run_id = id
    return true
end

-- "<run_id>-<version>" when Redis vouches for the version; nil, reason otherwise.
local function vouched_version()
    local sock = ngx.socket.tcp()
    sock:settimeouts(timeout_ms, timeout_ms, timeout_ms)
    local ok, err = sock:connect(host, port, { pool = pool })
    if not ok then
        return nil, err
    end
    if sock:getreusedtimes() == 0 then
        ok, err = set_up(sock)
        if not ok then
            sock:close()
            return nil, err
        end
    end
    local header, sent
    sent, err = sock:send(MGET)
    if sent then
        header, err = sock:receive()
    end
    if header == "*2" then
        local version, pending
        ok, version = bulk(sock)
        if ok then
            ok, pending = bulk(sock)
            if ok then
                sock:setkeepalive(60000, 64)
                if version and not pending and string.match(version, "^%d+$") then
                    return run_id .. "-" .. version
                end
                return nil -- a publish is pending, or no version yet: the app answers
            end
            err = pending
        else
            err = version
        end
    elseif header then
        err = "unexpected answer: " .. string.sub(header, 1, 80)
    end
    sock:close()
    return nil, err or "no answer"
end

-- rewrite_by_lua: set $portal_version (and clear $portal_unversioned) when the page may come
-- from the cache under that version.
function M.rewrite()
    local method = ngx.req.get_method()
    if (method ~= "GET" and method ~= "HEAD") or ngx.var.cookie_portal_session then
        return -- never from the cache anyway (proxy_cache_bypass $cookie_portal_session)
    end
    local now = ngx.now()
    if now < retry_at then
        return
    end
    local called, version, err = pcall(vouched_version)
    if not called then
        err, version = version, nil
    end
    if version then
        local day = os.date("!%Y-%m-%d", ngx.time() + CHINA_OFFSET_S)
        ngx.var.portal_version = version .. "-" .. day
        ngx.var.portal_unversioned = ""
    elseif err then
        retry_at = now + RETRY_AFTER_S
        if now >= warned_at then
            warned_at = now + 60
            ngx.log(ngx.WARN, "data version in Redis unavailable, asking the app: ", err)
        end
    end
end

return M
