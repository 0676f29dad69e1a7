"""Briefing's own demo content: three issues written for this project.

It shows every section, sources of every kind and tags in Chinese and
English. Links point at example.com: these are illustrations, not news.
"""

import datetime

DEMO_URL = "https://example.com/briefing-demo"

SOURCES = [
    # name, kind, homepage
    ("边缘计算笔记", "wechat", ""),
    ("端侧智能观察", "wechat", ""),
    ("arXiv", "arxiv", "https://arxiv.org"),
    ("GitHub", "github", "https://github.com"),
    ("Briefing Lab Blog", "blog", f"{DEMO_URL}/lab"),
    ("TinyML Summit", "conference", f"{DEMO_URL}/summit"),
    ("芯片评测室", "website", f"{DEMO_URL}/chips"),
]

W, I, A, P, O, B = 10, 20, 30, 40, 50, 60  # sections, in reading order

# Each entry: section, title, source name, url path, arXiv id, venue, tags, extra links, summary.
ISSUES = [
    {
        "date": datetime.date(2026, 10, 28),
        "status": "published",
        "headline": "一款 4 TOPS 的 NPU 开发板/INT4 权重量化实测/TinyML 峰会回顾",
        "lead": (
            "本期 **12** 条。业界新闻关注端侧 NPU 的新品与工具链；论文部分有三篇低比特量化工作，"
            "其中一篇把 INT4 权重量化带到了语音模型；开源项目推荐一个纯 C 的推理运行时。"
        ),
        "entries": [
            (W, "某开发板厂商：新款板卡集成 4 TOPS NPU，售价不到 300 元", "", "", "", "", ["NPU"], [], ""),
            (W, "一家手机厂商：下一代旗舰将支持端侧 7B 语言模型", "", "", "", "", ["端侧大模型"], [], ""),
            (W, "某编译器社区：发布面向 RISC-V 向量扩展的新后端", "", "", "", "", ["RISC-V", "编译器"], [], ""),
            (I, "4 TOPS 的 NPU 开发板上手：从开箱到跑通检测模型", "芯片评测室", "/news/npu-board", "", "", ["NPU", "部署"], [],
             "评测者用一个晚上把官方示例跑通。**INT8** 下检测模型约 30 FPS，瓶颈在前处理而不是 NPU 本身。\n\n"
             "工具链仍有不足：算子覆盖表没有写明动态形状的支持情况。"),
            (I, "端侧推理框架的一年：我们从十个团队那里听到了什么", "端侧智能观察", "/news/runtime-survey", "", "", ["推理框架"], [],
             "访谈覆盖手机、车载与 IoT 三类团队。共同的痛点：\n\n- 模型转换出错信息难懂\n- 量化后精度回退难以定位\n- 不同 SoC 的性能差异大"),
            (A, "在门铃摄像头上做人形检测：一个 200 KB 模型的故事", "Briefing Lab Blog", "/apps/doorbell", "", "", ["TinyML", "目标检测"], [],
             "团队把模型压到 200 KB 以内，运行在 Cortex-M7 上，误报率比原先基于运动检测的方案低一个数量级。"),
            (P, "INT4 Weight-Only Quantization for Streaming Speech Recognition", "arXiv", "/papers/int4-asr", "2610.01234", "", ["量化", "INT4", "语音"],
             [("代码", "/code/int4-asr")],
             "作者只量化权重、保留激活为 FP16，在流式语音识别上把模型体积降到四分之一，词错率上升不到 0.3 个点。\n\n"
             "关键在于按输出通道分组并做**误差补偿**。"),
            (P, "稀疏与量化能否兼得？一项在移动 GPU 上的系统测量", "边缘计算笔记", "/papers/sparse-quant", "2610.04321", "MLSys 2026", ["量化", "剪枝", "移动GPU"], [],
             "在三款移动 GPU 上测量 2:4 稀疏叠加 INT8 的真实收益：只有在矩阵足够大时稀疏才带来加速。"),
            (P, "Learning Step Sizes for 3-bit Vision Transformers", "arXiv", "/papers/3bit-vit", "2609.09876", "", ["量化", "Transformer"], [],
             "把可学习步长量化推广到 3 比特的 ViT，注意力的 softmax 输入保持 8 比特。"),
            (O, "briefing-lab/tiny-runtime：一个只有 3000 行 C 代码的推理运行时", "GitHub", "/code/tiny-runtime", "", "", ["推理框架", "开源"], [],
             "无动态内存分配，适合 MCU。支持卷积、全连接与深度可分离卷积，算子用 CMSIS 风格实现。"),
            (O, "briefing-lab/quant-inspector：逐层查看量化误差的小工具", "GitHub", "/code/quant-inspector", "", "", ["量化", "工具"], [],
             "输入浮点与量化两个模型，输出逐层的余弦相似度与最大误差，帮助定位精度回退。"),
            (B, "TinyML 峰会回顾：三个值得关注的趋势", "TinyML Summit", "/blog/summit-recap", "", "", ["TinyML"], [("slide", "/blog/summit-slides")],
             "趋势一：传感器内计算；趋势二：端侧持续学习；趋势三：面向 MCU 的编译器走向成熟。"),
        ],
    },
    {
        "date": datetime.date(2026, 11, 11),
        "status": "review",
        "headline": "车载 SoC 的算力账/8 比特训练/端侧大模型的内存墙",
        "lead": "本期 **10** 条，待编辑审阅。",
        "entries": [
            (W, "某车企：新一代座舱芯片进入量产", "", "", "", "", ["车载"], [], ""),
            (W, "某开源社区：移动端推理框架发布 2.0", "", "", "", "", ["推理框架"], [], ""),
            (I, "车载 SoC 的算力账：标称 TOPS 与实际吞吐之间差了多少", "芯片评测室", "/news/car-soc", "", "", ["车载", "NPU"], [],
             "标称算力通常按稀疏与 INT4 计算，实际模型在 INT8 下只能用到三成左右。"),
            (I, "端侧大模型的内存墙：带宽比算力更早成为瓶颈", "端侧智能观察", "/news/memory-wall", "", "", ["端侧大模型", "内存"], [],
             "解码阶段每生成一个词都要读一遍全部权重，带宽决定了每秒能生成多少词。"),
            (A, "用手机 NPU 做实时字幕：延迟从 800 ms 降到 200 ms", "Briefing Lab Blog", "/apps/captions", "", "", ["语音", "NPU"], [],
             "把编码器放到 NPU、解码器留在 CPU，并用流式分块避免整句等待。"),
            (P, "8-bit Training on Edge Devices Without Accuracy Loss", "arXiv", "/papers/8bit-training", "2611.00001", "", ["量化", "端侧训练"], [],
             "梯度使用随机舍入的 8 比特表示，在两款手机上完成了小模型的微调。"),
            (P, "面向 MCU 的神经架构搜索：把内存约束写进搜索空间", "边缘计算笔记", "/papers/mcu-nas", "", "TinyML 2026", ["NAS", "TinyML"], [],
             "搜索时同时约束峰值内存与闪存占用，找到的模型在 256 KB SRAM 上运行。"),
            (O, "briefing-lab/kv-squeeze：端侧大模型的 KV 缓存压缩", "GitHub", "/code/kv-squeeze", "", "", ["端侧大模型", "开源"], [],
             "把 KV 缓存量化到 4 比特并按重要性淘汰，长上下文下内存降低 60%。"),
            (B, "我们如何给推理框架写基准测试", "Briefing Lab Blog", "/blog/benchmarking", "", "", ["基准测试"], [],
             "预热、固定频率、多次取中位数；以及为什么不应只报告平均延迟。"),
            (B, "RISC-V 向量扩展入门：写一个 INT8 点积内核", "Briefing Lab Blog", "/blog/rvv-dot", "", "", ["RISC-V", "INT8"], [],
             "从寄存器分组讲起，一步步写出比标量版本快 6 倍的点积。"),
        ],
    },
    {
        "date": datetime.date(2026, 11, 25),
        "status": "draft",
        "headline": "",
        "lead": "草稿：本期还在收集中。",
        "entries": [
            (W, "某芯片公司：发布面向可穿戴设备的超低功耗 AI 芯片", "", "", "", "", ["可穿戴"], [], ""),
            (I, "端侧 AI 芯片出货量统计：今年增长最快的是哪一类", "芯片评测室", "/news/shipments", "", "", ["NPU"], [],
             "统计口径说明：只计入带专用 AI 加速单元的芯片。"),
            (A, "在智能手表上做心律异常检测", "端侧智能观察", "/apps/watch-ecg", "", "", ["可穿戴", "TinyML"], [],
             "模型只有 40 KB，每天耗电不到 1%。"),
            (P, "Mixed-Precision Search for On-Device Language Models", "arXiv", "/papers/mixed-precision-llm", "2611.05555", "", ["量化", "端侧大模型"], [],
             "逐层搜索 2/4/8 比特的组合，在 1B 参数模型上取得比统一 4 比特更低的困惑度。"),
            (O, "briefing-lab/edge-bench：一键在多款手机上跑推理基准", "GitHub", "/code/edge-bench", "", "", ["基准测试", "开源"], [],
             "通过 adb 批量部署，自动记录温度与频率，结果输出为表格。"),
            (B, "量化感知训练的五个常见坑", "Briefing Lab Blog", "/blog/qat-pitfalls", "", "", ["量化"], [],
             "BatchNorm 折叠的时机、学习率、观察器的更新频率……"),
        ],
    },
]

# A partial English edition of the published issue, as an editor would start one: the
# issue's title, headline and lead, and some entries; the rest falls back to the original.
# Keyed by issue date, then by (section, position within the section).
ENGLISH = {
    datetime.date(2026, 10, 28): {
        "title_en": "Embedded AI Briefing (2026-10-28)",
        "headline_en": "A 4 TOPS NPU board/INT4 weight quantization measured/TinyML Summit recap",
        "lead_en": (
            "**12** items this time. Industry news follows new edge NPUs and their toolchains; the papers "
            "include three low-bit quantization works, one of which brings INT4 weight quantization to "
            "speech models; among the open-source projects, an inference runtime in plain C."
        ),
        "entries": {
            (I, 1): ("Hands-on with a 4 TOPS NPU board: from unboxing to a running detector",
                     "The reviewer had the official samples running in one evening. At **INT8** the detector "
                     "runs at about 30 FPS; the bottleneck is pre-processing, not the NPU.", ""),
            (P, 1): ("INT4 Weight-Only Quantization for Streaming Speech Recognition",
                     "Only the weights are quantized, activations stay FP16: the model shrinks to a quarter "
                     "with under 0.3 points more word error.",
                     "We study weight-only INT4 quantization for streaming speech recognition. Grouping "
                     "weights by output channel and compensating the quantization error keeps accuracy "
                     "close to the FP16 baseline while reducing model size by 4x.\n\n"
                     "(Demo text written for Briefing; not a real paper.)"),
            (P, 3): ("", "", "We extend learned step-size quantization to 3-bit Vision Transformers, keeping "
                             "the softmax input at 8 bits. (Demo text written for Briefing; not a real paper.)"),
            (O, 1): ("briefing-lab/tiny-runtime: an inference runtime in 3,000 lines of C", "", ""),
        },
    },
}

# Other words for the demo's tags, which ``suggest_tags`` looks for in titles and summaries.
TAG_ALIASES = {
    "量化": "quantization, quantized, 低比特, 二值化, 定点化, -轻量化, -量化交易",
    "NPU": "神经网络处理器, 神经网络加速器, AI加速器, AIPU",
    "TinyML": "微控制器, MCU, Cortex-M, 单片机",
    "推理框架": "推理引擎, inference engine, MNN, TNN, NCNN, Paddle Lite, TFLite, TensorFlow Lite, Tengine, TensorRT, MACE",
    "车载": "自动驾驶, 车规",
    "语音": "语音识别, speech, ASR",
    "基准测试": "benchmark, MLPerf",
    "可穿戴": "智能手表, wearable, 手环",
    "RISC-V": "RISCV",
    "部署": "deploy, deployment",
    "编译器": "compiler, TVM, MLIR, LLVM, XLA",
    "端侧训练": "on-device training",
    "移动GPU": "移动端GPU, mobile GPU, Mali, Adreno",
    "目标检测": "object detection, YOLO, YOLOv3, YOLOv4, YOLOv5, YOLOX, NanoDet",
    "剪枝": "pruning",
    "内存": "显存",
    "Transformer": "BERT, ViT",
    "NAS": "神经架构搜索, 神经网络架构搜索, 网络结构搜索, architecture search",
    "INT8": "8-bit, 8比特",
    "INT4": "4-bit, 4比特",
}
