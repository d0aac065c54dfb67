-- wrk script of put-load.sh: PUT /v1/conversations/{id} with a one-key
-- metadata merge, ids drawn at random from the file given after `--`,
-- the bearer token from the second argument.
local ids = {}
local n = 0

function init(args)
    for line in io.lines(args[1]) do
        ids[#ids + 1] = line
    end
    wrk.method = "PUT"
    wrk.headers["Authorization"] = "Bearer " .. args[2]
    wrk.headers["Content-Type"] = "application/json"
    math.randomseed(os.time() + #ids + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 1000)
end

function request()
    n = n + 1
    local id = ids[math.random(#ids)]
    return wrk.format(nil, "/v1/conversations/" .. id, nil, '{"metadata":{"bench":"w' .. n .. '"}}')
end
