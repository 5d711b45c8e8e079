module example.com/userpkg

go 1.19
